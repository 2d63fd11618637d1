//! Async work that ends with the part of the widget it belongs to.
//!
//! A step's or a widget's signals are disposed when the shopper leaves the step or the
//! page destroys the widget, and that can happen in the middle of any `.await`. Code
//! that ran on after such an await would read a disposed value and trap. A task spawned
//! in a [`Tasks`] is dropped at its next await once its owner is cleaned up, so the code
//! after an await only ever runs while everything it touches still exists.
//!
//! Dropping a future drops what it was waiting for: the widget's requests abort their
//! `fetch` as they are dropped (`net::call_with`), so stopping a task is the one way
//! to stop its work; a camera that was still opening must be stopped when it arrives
//! (see `camera::open`).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use leptos::prelude::*;

use crate::crash::{self, WidgetId};

/// A task's stop handle, and whether it is inside a poll. A task that panicked stays
/// "inside" for ever (the trap skips the rest of the poll); waking it again would
/// trap again, so it is never stopped, only forgotten.
struct Running {
    handle: AbortHandle,
    polling: Rc<Cell<bool>>,
}

/// The tasks of one owner (a step, or the whole widget); all of them stop when it is
/// cleaned up. Cheap to copy into event handlers.
#[derive(Clone, Copy)]
pub struct Tasks {
    running: StoredValue<Rc<RefCell<Vec<Running>>>, LocalStorage>,
    /// The widget they work for (told to the panic hook while they run).
    widget: Option<WidgetId>,
}

impl Tasks {
    /// Tasks that end when the current reactive owner is cleaned up. Call it where the
    /// owner is current (a component's body), not in an event handler.
    pub fn for_current_owner() -> Self {
        let handles: Rc<RefCell<Vec<Running>>> = Rc::default();
        let tasks = Tasks {
            running: StoredValue::new_local(handles),
            widget: use_context::<WidgetId>(),
        };
        on_cleanup(move || tasks.stop_all());
        tasks
    }

    /// Runs `task` until it ends or its owner is cleaned up, whichever comes first.
    /// Returns a handle that stops it sooner.
    pub fn spawn(&self, task: impl Future<Output = ()> + 'static) -> AbortHandle {
        let (handle, registration) = AbortHandle::new_pair();
        let polling = Rc::new(Cell::new(false));
        match self.running.try_with_value(|r| {
            let mut r = r.borrow_mut();
            // Forget the ones that ended, so a long-lived widget does not grow.
            r.retain(|t| !t.handle.is_aborted());
            r.push(Running {
                handle: handle.clone(),
                polling: polling.clone(),
            });
        }) {
            Some(()) => {
                let done = handle.clone();
                let widget = self.widget;
                let mut task = Box::pin(task);
                let task = futures::future::poll_fn(move |cx| {
                    let before = crash::enter(widget);
                    polling.set(true);
                    let poll = task.as_mut().poll(cx);
                    polling.set(false);
                    crash::enter(before);
                    poll
                });
                leptos::task::spawn_local(async move {
                    let _ = Abortable::new(task, registration).await;
                    // Marks it ended, so `spawn` can forget it.
                    done.abort();
                })
            }
            // The owner is already gone: nothing to run for.
            None => handle.abort(),
        }
        handle
    }

    /// Stops every task (also the ones still to come back from an await).
    pub fn stop_all(&self) {
        if let Some(tasks) = self
            .running
            .try_with_value(|r| std::mem::take(&mut *r.borrow_mut()))
        {
            for t in tasks.iter().filter(|t| !t.polling.get()) {
                t.handle.abort();
            }
        }
    }
}
