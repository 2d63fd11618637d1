//! `tryon-gateway`: the try-on gateway as a server.
//!
//! Run it with `cargo run -p tryon-gateway -- --help` for every setting; with no
//! settings it runs the sandbox engine on 127.0.0.1:8787.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tryon_gateway::engine::Engine;
use tryon_gateway::{app, serve, AppState, Config};

fn main() -> std::process::ExitCode {
    tryon_gateway::memory::keep_render_memory();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(run())
}

async fn run() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let listen = config.listen;
    // Connections and spilled files share the open-file limit: take all the system allows.
    tryon_gateway::engine::sandbox::spill::raise_open_file_limit();
    let state = match AppState::new(config) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("tryon-gateway: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // The pose models take a moment to load: load them now, not for the first shopper.
    if state.photo_check.wants_models() || matches!(state.engine, Engine::Sandbox(_)) {
        let eyes = state.photo_check.eyes().clone();
        tokio::spawn(async move { eyes.vision().await.ok() });
    }
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tryon-gateway: cannot listen on {listen}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(%address, engine = state.engine.name(), origins = ?state.config.allowed_origins, "try-on gateway listening");
    // The line tests and scripts wait for (the port may have been 0).
    println!("tryon-gateway listening on http://{address}");
    let served = serve(listener, app(state), shutdown_signal()).await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tryon-gateway: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
