//! One try-on's work in the browser: what [`flow::Action`](crate::flow::Action)s
//! `Prepare` and `Run` start. The upload made from the framed photo; then the photo
//! check (when asked), remembering the photo, and the job, each step's news sent back
//! to the flow as an [`Event`] with the try-on's number.
//!
//! Each runs in a task of the widget's: when the shopper moves on, the task is stopped
//! at its next await (its request in flight aborted), so nothing here checks whether
//! it should go on.

use std::rc::Rc;

use tryon_protocol::{PrecheckRequest, QuotaLeft};

use crate::dom::garment_image;
use crate::failure::{Failure, TriesLeft};
use crate::flow::{Event, Media, PhotoCheck};
use crate::job::{self, Stage};
use crate::net::now_ms;
use crate::options::WidgetOptions;
use crate::photo::{self, CropFrame, DecodedPhoto, ObjectUrl, PreparedPhoto};
use crate::precheck;
use crate::remembered;
use crate::session::Session;

/// The browser's photos, as the flow holds them.
pub struct Web;

impl Media for Web {
    type Decoded = Rc<DecodedPhoto>;
    type Source = Rc<ObjectUrl>;
    type Prepared = Rc<PreparedPhoto>;
}

/// Where a try-on's news goes.
pub type Send<'a> = &'a dyn Fn(Event<Web>);

/// Makes the upload of try-on `attempt` from `decoded`, cropped to `frame`.
pub async fn prepare(attempt: u32, decoded: Rc<DecodedPhoto>, frame: CropFrame, send: Send<'_>) {
    let prepared = photo::prepare(&decoded, frame).await;
    // The full-size decode is no longer needed: free it now.
    drop(decoded);
    send(Event::Prepared {
        attempt,
        photo: prepared.ok().map(|p| {
            let (width, height) = (p.width, p.height);
            (Rc::new(p), width, height)
        }),
    });
}

/// What a try-on needs besides its photo.
pub struct Run<'a> {
    /// The options and the session.
    pub job: Follow<'a>,
    /// Whether the shopper asked to remember the photo.
    pub remember: bool,
    /// Told when the photo was remembered.
    pub remembered: &'a dyn Fn(),
}

impl Run<'_> {
    /// Runs try-on `attempt` of `prepared` with colour `variant`'s garment (or the
    /// product's own); with `PhotoCheck::Ask`, first asks the photo check and stops
    /// at its advice if it has any.
    pub async fn go(
        &self,
        attempt: u32,
        prepared: Rc<PreparedPhoto>,
        check: PhotoCheck,
        variant: Option<usize>,
        send: Send<'_>,
    ) {
        let finished = |outcome| {
            send(Event::Finished {
                attempt,
                outcome,
                now: now_ms(),
            })
        };
        let Ok(mut photo_url) = photo::data_url(&prepared.blob).await else {
            finished(Err(Failure::photo_unreadable()));
            return;
        };
        let options = self.job.options;
        if check == PhotoCheck::Ask {
            // The check is sent exactly what the try-on would be: the same data URL.
            let asked = PrecheckRequest {
                model_image: photo_url,
                category: options.category,
            };
            let problems =
                precheck::photo_problems(&options.api_base, self.job.session, &asked).await;
            photo_url = asked.model_image;
            if !problems.is_empty() {
                send(Event::Advised {
                    attempt,
                    problems,
                    now: now_ms(),
                });
                return;
            }
        }
        // Remembered only once it is tried on: not a photo the shopper replaces.
        if self.remember && remembered::save(&photo_url) {
            (self.remembered)();
        }
        let request = options.request(photo_url, garment_image(options, variant));
        let progress = job::Progress {
            stage: &|stage: Stage| send(Event::Stage { attempt, stage }),
            free_spot_at: &|at: f64| send(Event::FreeSpotAt { attempt, at }),
            quota: &|left| tell_quota(send, left),
        };
        let outcome = job::send(
            &options.api_base,
            self.job.session,
            &request,
            options.max_wait_seconds,
            &progress,
        )
        .await;
        drop(request);
        match outcome {
            // Accepted: the flow starts following it (`Follow`), as after a reload.
            Ok(job_id) => send(Event::Submitted {
                attempt,
                job_id,
                now: now_ms(),
            }),
            Err(e) => finished(Err(Failure::from(e))),
        }
    }
}

/// What the shopper has left, as the gateway said, told to the flow.
fn tell_quota(send: Send<'_>, left: QuotaLeft) {
    send(Event::TriesLeft(TriesLeft {
        remaining: left.remaining,
        whole_at: now_ms() + left.reset_seconds as f64 * 1000.0,
    }))
}

/// What following an accepted job (just now, or before a reload) needs.
#[derive(Clone, Copy)]
pub struct Follow<'a> {
    /// The merchant's options.
    pub options: &'a WidgetOptions,
    /// The session the job belongs to (kept across the reload).
    pub session: &'a Session,
}

impl Follow<'_> {
    /// Waits for job `job_id` of try-on `attempt`, accepted at `accepted_at` (ms):
    /// the time limit counts from then, also across a reload.
    pub async fn go(&self, attempt: u32, job_id: String, accepted_at: f64, send: Send<'_>) {
        let deadline = accepted_at + self.options.max_wait_seconds as f64 * 1000.0;
        let progress = job::Progress {
            stage: &|stage: Stage| send(Event::Stage { attempt, stage }),
            free_spot_at: &|_| {},
            quota: &|left| tell_quota(send, left),
        };
        let outcome = job::follow(
            &self.options.api_base,
            self.session,
            job_id,
            deadline,
            &progress,
        )
        .await;
        send(Event::Finished {
            attempt,
            outcome: outcome.map_err(Failure::from),
            now: now_ms(),
        });
    }
}
