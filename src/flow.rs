//! The shopper's way through the widget as a state machine: which step they are on,
//! with exactly the data that step needs, and what each thing that happens does to it.
//!
//! Pure: no DOM, no futures, no signals. [`Machine::next`] takes an [`Event`] (a
//! click, or news from work under way) and returns the [`Action`]s it starts (stop
//! the work under way, prepare a photo, run a try-on, tell the merchant); the widget
//! (`ui::state`) runs them. The photos are whatever a [`Media`] says, so the tests
//! drive the whole flow natively with plain strings.
//!
//! News of a try-on carries its attempt number: news of one the shopper has left
//! (cancelled, closed, started again) is dropped here, whatever it says.

use tryon_protocol::PhotoProblem;

use crate::failure::{Failure, FailureKind, TriesLeft};
use crate::job::Stage;
use crate::photo::CropFrame;

/// What the photos in the flow are: the widget's are the browser's
/// (`ui::state::Web`); the tests use plain strings.
pub trait Media {
    /// A decoded photo, being framed.
    type Decoded: Clone;
    /// What the framing view shows of it.
    type Source;
    /// The upload, once prepared.
    type Prepared: Clone;
}

/// The steps of the flow (which view is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Consent, guidelines, and the ways to give a photo.
    Start,
    /// The live camera.
    Camera,
    /// Framing the photo.
    Frame,
    /// Submitted, waiting.
    Working,
    /// Advice about the photo, before it is tried on.
    Advice,
    /// Results shown.
    Results,
    /// A try-on failed.
    Failed,
}

/// What was wrong with the photo given last (shown on the start step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Not an image, or a damaged one.
    NotAPhoto,
    /// A known format this browser cannot read (its name).
    Unsupported(&'static str),
}

/// A photo being framed.
pub struct Framing<M: Media> {
    /// The decoded photo.
    pub photo: M::Decoded,
    /// What the framing view shows.
    pub source: M::Source,
    /// The frame.
    pub frame: CropFrame,
    /// The photo's width and height, when they are small enough to warn about.
    pub small: Option<(u32, u32)>,
}

/// A try-on under way.
pub struct Waiting<M: Media> {
    /// The upload, once prepared (`None` while the photo is being prepared).
    pub photo: Option<M::Prepared>,
    /// What the shopper is told.
    pub stage: Stage,
    /// When the shopper confirmed the photo (ms): the progress counts from here, so it
    /// only moves forward.
    pub started_at: f64,
    /// When the result is expected (ms). The mode's typical time counts from when
    /// the service accepted the job; before that, from the confirm, or from the end
    /// of the wait for a free spot (the gateway's `Retry-After`).
    pub expected_end: f64,
    /// The job id, once submitted.
    pub job_id: Option<String>,
    /// Which try-on this is.
    pub attempt: u32,
    /// The colour tried on (of the merchant's `variants`), if one was picked.
    pub variant: Option<usize>,
}

/// Where the shopper is, with exactly the data that step needs: no step can be
/// shown without its data, and no data outlives its step.
pub enum Flow<M: Media> {
    /// The start; `notice` says what was wrong with the photo given last.
    Start {
        /// A problem with the last photo.
        notice: Option<Notice>,
    },
    /// The live camera.
    Camera,
    /// Framing a photo.
    Frame(Framing<M>),
    /// Preparing, submitting and waiting.
    Working(Waiting<M>),
    /// The photo check found problems: the shopper reads what to do and chooses
    /// another photo or goes on anyway.
    Advice {
        /// The shopper's prepared photo (shown, and tried on if they go on anyway).
        photo: M::Prepared,
        /// What the check found, never empty.
        problems: Vec<PhotoProblem>,
        /// How long the shopper had waited before the advice (ms): going on anyway,
        /// the progress picks up there instead of starting again.
        waited_ms: f64,
    },
    /// The pictures.
    Results {
        /// The shopper's prepared photo (for the comparison, and to try again); none
        /// for pictures kept from before a reload.
        photo: Option<M::Prepared>,
        /// The result URLs.
        output: Vec<String>,
        /// The job id.
        job_id: String,
        /// Whether it is of this widget's product: "Add to cart" and the other colours
        /// are offered only then.
        own: bool,
        /// The colour they show (of the merchant's `variants`), if one was picked.
        variant: Option<usize>,
    },
    /// A try-on that failed.
    Failed {
        /// The shopper's prepared photo (to try again), if the flow has it.
        photo: Option<M::Prepared>,
        /// What went wrong.
        failure: Failure,
    },
}

impl<M: Media> Flow<M> {
    /// The view this flow shows.
    pub fn step(&self) -> Step {
        match self {
            Flow::Start { .. } => Step::Start,
            Flow::Camera => Step::Camera,
            Flow::Frame(_) => Step::Frame,
            Flow::Working(_) => Step::Working,
            Flow::Advice { .. } => Step::Advice,
            Flow::Results { .. } => Step::Results,
            Flow::Failed { .. } => Step::Failed,
        }
    }

    /// The prepared photo, in the steps that have one.
    pub fn prepared(&self) -> Option<M::Prepared> {
        match self {
            Flow::Working(Waiting { photo, .. })
            | Flow::Results { photo, .. }
            | Flow::Failed { photo, .. } => photo.clone(),
            Flow::Advice { photo, .. } => Some(photo.clone()),
            _ => None,
        }
    }

    /// The frame being adjusted.
    pub fn frame(&self) -> Option<CropFrame> {
        match self {
            Flow::Frame(framing) => Some(framing.frame),
            _ => None,
        }
    }

    fn start() -> Self {
        Flow::Start { notice: None }
    }
}

/// Whether a try-on asks the photo check first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoCheck {
    /// A new photo: ask, and advise if the check finds problems.
    Ask,
    /// A photo already checked, or one the shopper chose to try on anyway.
    Skip,
}

/// Something that happened: the shopper's doing, or news from work under way.
/// Times (`now`) are ms since the epoch, given by the caller.
pub enum Event<M: Media> {
    /// The panel opens.
    Open,
    /// The panel closes: any try-on stops and the photo is forgotten.
    Close,
    /// Back to the start (also: cancel the try-on being waited for).
    StartOver,
    /// To the live camera.
    Camera,
    /// A photo was given (picker, drop, paste, camera, sample): it is being opened.
    Opening,
    /// The photo given was opened: its decode, what to show, and its size; or what
    /// was wrong with it.
    Opened(Result<(M::Decoded, M::Source, u32, u32), Notice>),
    /// The shopper moved or resized the frame.
    FrameMoved(CropFrame),
    /// The shopper confirmed the frame.
    ConfirmFrame {
        /// Now.
        now: f64,
    },
    /// The upload of try-on `attempt` is ready (its width and height), or could not
    /// be made.
    Prepared {
        /// Which try-on.
        attempt: u32,
        /// The upload.
        photo: Option<(M::Prepared, u32, u32)>,
    },
    /// The photo check advised against the photo of try-on `attempt`.
    Advised {
        /// Which try-on.
        attempt: u32,
        /// What it found, never empty.
        problems: Vec<PhotoProblem>,
        /// Now.
        now: f64,
    },
    /// The shopper tries on the photo the check advised against.
    TryAnyway {
        /// Now.
        now: f64,
    },
    /// The shopper tries the same photo again (after results or a failure).
    TryAgain {
        /// Now.
        now: f64,
    },
    /// Try-on `attempt` is at a new stage.
    Stage {
        /// Which try-on.
        attempt: u32,
        /// Its stage.
        stage: Stage,
    },
    /// Try-on `attempt` waits for a free spot until `at` (ms).
    FreeSpotAt {
        /// Which try-on.
        attempt: u32,
        /// When it is sent again.
        at: f64,
    },
    /// The service accepted try-on `attempt` as job `job_id`.
    Submitted {
        /// Which try-on.
        attempt: u32,
        /// The job.
        job_id: String,
        /// Now.
        now: f64,
    },
    /// What the shopper has left, as the gateway said.
    TriesLeft(TriesLeft),
    /// A try-on this tab kept (from before a reload, or before the panel closed):
    /// running (no `output`) or done.
    Restore {
        /// The job.
        job_id: String,
        /// When the service accepted it (ms).
        accepted_at: f64,
        /// Its pictures, if it is done.
        output: Vec<String>,
        /// The colour tried on, if one was picked.
        variant: Option<usize>,
    },
    /// The pictures of kept try-on `job_id` (shown from before a reload) are gone:
    /// the service let them expire.
    Expired {
        /// The job.
        job_id: String,
    },
    /// The shopper picked colour `variant` (of the merchant's `variants`) with a
    /// result shown: the same photo goes again with that garment.
    PickVariant {
        /// Which colour.
        variant: usize,
        /// Now.
        now: f64,
    },
    /// The shopper looks again at a try-on this tab kept (the "Your try-ons" strip):
    /// its pictures, with no request.
    Look {
        /// The job.
        job_id: String,
        /// Its pictures.
        output: Vec<String>,
        /// Whether it is of this widget's product.
        own: bool,
        /// The colour tried on, if one was picked.
        variant: Option<usize>,
    },
    /// Try-on `attempt` ended: its pictures, or why not.
    Finished {
        /// Which try-on.
        attempt: u32,
        /// The result URLs, or the failure.
        outcome: Result<Vec<String>, Failure>,
        /// Now.
        now: f64,
    },
}

/// What a transition starts; the widget carries it out, in order.
pub enum Action<M: Media> {
    /// Stop the work under way for the shopper (opening, preparing, a try-on).
    StopWork,
    /// Make the upload of try-on `attempt`: `photo` cropped to `frame`.
    Prepare {
        /// Which try-on.
        attempt: u32,
        /// The decoded photo.
        photo: M::Decoded,
        /// Where it is cropped.
        frame: CropFrame,
    },
    /// Run try-on `attempt` of `photo` (asking the photo check first or not).
    Run {
        /// Which try-on.
        attempt: u32,
        /// The upload.
        photo: M::Prepared,
        /// Whether to ask the photo check first.
        check: PhotoCheck,
        /// The colour tried on (of the merchant's `variants`), or the product's own
        /// garment.
        variant: Option<usize>,
    },
    /// Wait for the pictures of job `job_id` of try-on `attempt`, just accepted or
    /// from before a reload.
    Follow {
        /// Which try-on.
        attempt: u32,
        /// The job.
        job_id: String,
        /// When the service accepted it (ms): the time limit counts from there.
        accepted_at: f64,
    },
    /// Change what this tab keeps.
    Keep(Kept),
    /// Tell the merchant (an event on the host element).
    Tell(Note),
}

/// A change to what this tab keeps of its try-ons (`keep.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// The panel opened (`true`) or closed.
    Open(bool),
    /// Job `job_id`, accepted at `at` (ms), runs.
    Running {
        /// The job.
        job_id: String,
        /// When it was accepted.
        at: f64,
        /// The colour tried on, if one was picked.
        variant: Option<usize>,
    },
    /// Job `job_id` is done.
    Done {
        /// The job.
        job_id: String,
        /// Its pictures.
        output: Vec<String>,
    },
    /// Job `job_id` failed or the shopper cancelled it: nothing to show again.
    Gone {
        /// The job.
        job_id: String,
    },
}

/// What the merchant is told (the widget's `tryon:*` events).
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The panel opened.
    Open,
    /// The panel closed.
    Close,
    /// The upload is ready.
    PhotoReady {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The check advised against the photo.
    Advice(Vec<PhotoProblem>),
    /// The job was accepted.
    Submit {
        /// The job.
        job_id: String,
    },
    /// The pictures are shown.
    Complete {
        /// The job.
        job_id: String,
        /// The result URLs.
        output: Vec<String>,
    },
    /// The try-on failed.
    Error(Failure),
    /// The shopper picked another colour (of the merchant's `variants`).
    Variant(usize),
    /// A kept try-on is shown again (still running, or done).
    Restore {
        /// The job.
        job_id: String,
        /// Whether it was still running.
        running: bool,
    },
}

/// The whole state of one widget's flow.
pub struct Machine<M: Media> {
    /// Where the shopper is.
    pub flow: Flow<M>,
    /// Whether the panel is open.
    pub open: bool,
    /// The number of the latest try-on.
    pub attempt: u32,
    /// What the shopper has left of their try-ons, as the gateway last said.
    pub tries_left: Option<TriesLeft>,
    /// The mode's typical time for a try-on (ms).
    pub typical_ms: f64,
    /// The colour tried on (of the merchant's `variants`), or the product's own
    /// garment.
    pub variant: Option<usize>,
}

impl<M: Media> Machine<M> {
    /// A closed widget at the start, whose try-ons typically take `typical_ms`.
    pub fn new(typical_ms: f64) -> Self {
        Machine {
            flow: Flow::start(),
            open: false,
            attempt: 0,
            tries_left: None,
            typical_ms,
            variant: None,
        }
    }

    /// What `event` does: the state changes here, and the actions it starts are
    /// returned, to be carried out in order.
    pub fn next(&mut self, event: Event<M>) -> Vec<Action<M>> {
        match event {
            Event::Open if !self.open => {
                self.open = true;
                vec![Action::Keep(Kept::Open(true)), Action::Tell(Note::Open)]
            }
            Event::Close if self.open => {
                // A job still running stays kept: opening again picks it up.
                self.flow = Flow::start();
                self.open = false;
                vec![
                    Action::StopWork,
                    Action::Keep(Kept::Open(false)),
                    Action::Tell(Note::Close),
                ]
            }
            Event::Open | Event::Close => vec![],
            Event::StartOver => {
                let cancelled = match &self.flow {
                    Flow::Working(job) => job.job_id.clone(),
                    _ => None,
                };
                self.flow = Flow::start();
                let mut actions = vec![Action::StopWork];
                actions.extend(cancelled.map(|job_id| Action::Keep(Kept::Gone { job_id })));
                actions
            }
            Event::Camera => {
                self.flow = Flow::Camera;
                vec![Action::StopWork]
            }
            Event::Opening => vec![Action::StopWork],
            Event::Opened(Ok((photo, source, width, height))) => {
                let small = width.min(height) < crate::photo::SMALL_PHOTO_SIDE;
                self.flow = Flow::Frame(Framing {
                    frame: CropFrame::largest_centred(width, height),
                    photo,
                    source,
                    small: small.then_some((width, height)),
                });
                vec![]
            }
            Event::Opened(Err(notice)) => {
                self.flow = Flow::Start {
                    notice: Some(notice),
                };
                vec![]
            }
            Event::FrameMoved(frame) => {
                if let Flow::Frame(framing) = &mut self.flow {
                    framing.frame = frame;
                }
                vec![]
            }
            Event::ConfirmFrame { now } => {
                let Flow::Frame(framing) = &self.flow else {
                    return vec![];
                };
                let (photo, frame) = (framing.photo.clone(), framing.frame);
                let attempt = self.begin(None, now);
                vec![
                    Action::StopWork,
                    Action::Prepare {
                        attempt,
                        photo,
                        frame,
                    },
                ]
            }
            Event::Prepared { attempt, photo } => {
                if self.waiting(attempt).is_none() {
                    return vec![];
                }
                match photo {
                    Some((photo, width, height)) => {
                        if let Some(job) = self.waiting(attempt) {
                            job.photo = Some(photo.clone());
                        }
                        vec![
                            Action::Tell(Note::PhotoReady { width, height }),
                            Action::Run {
                                attempt,
                                photo,
                                check: PhotoCheck::Ask,
                                variant: self.variant,
                            },
                        ]
                    }
                    None => {
                        self.flow = Flow::Start {
                            notice: Some(Notice::NotAPhoto),
                        };
                        vec![]
                    }
                }
            }
            Event::Advised {
                attempt,
                problems,
                now,
            } => {
                let Some(job) = self.waiting(attempt) else {
                    return vec![];
                };
                let Some(photo) = job.photo.clone() else {
                    return vec![];
                };
                let waited_ms = now - job.started_at;
                self.flow = Flow::Advice {
                    photo,
                    problems: problems.clone(),
                    waited_ms,
                };
                vec![Action::Tell(Note::Advice(problems))]
            }
            Event::TryAnyway { now } => {
                let Flow::Advice {
                    photo, waited_ms, ..
                } = &self.flow
                else {
                    return vec![];
                };
                let (photo, started_at) = (photo.clone(), now - waited_ms);
                self.run(photo, started_at)
            }
            Event::TryAgain { now } => match self.flow.prepared() {
                _ if matches!(self.flow, Flow::Working(_)) => vec![],
                Some(photo) => self.run(photo, now),
                // Pictures kept from before a reload: the photo is not here any more.
                None => {
                    self.flow = Flow::start();
                    vec![]
                }
            },
            Event::Stage { attempt, stage } => {
                if let Some(job) = self.waiting(attempt) {
                    job.stage = stage;
                }
                vec![]
            }
            Event::FreeSpotAt { attempt, at } => {
                let typical = self.typical_ms;
                if let Some(job) = self.waiting(attempt) {
                    job.stage = Stage::Queued;
                    // The try-on itself starts after the wait.
                    job.expected_end = at + typical;
                }
                vec![]
            }
            Event::Submitted {
                attempt,
                job_id,
                now,
            } => {
                let typical = self.typical_ms;
                let Some(job) = self.waiting(attempt) else {
                    return vec![];
                };
                job.job_id = Some(job_id.clone());
                // The typical time counts from acceptance: the upload and any wait for
                // a free spot came before it.
                job.expected_end = now + typical;
                let variant = job.variant;
                vec![
                    Action::Keep(Kept::Running {
                        job_id: job_id.clone(),
                        at: now,
                        variant,
                    }),
                    Action::Tell(Note::Submit {
                        job_id: job_id.clone(),
                    }),
                    Action::Follow {
                        attempt,
                        job_id,
                        accepted_at: now,
                    },
                ]
            }
            Event::TriesLeft(left) => {
                self.tries_left = Some(left);
                vec![]
            }
            Event::Finished {
                attempt,
                outcome,
                now,
            } => {
                let Some(job) = self.waiting(attempt) else {
                    return vec![];
                };
                let (photo, job_id, variant) = (job.photo.clone(), job.job_id.clone(), job.variant);
                match outcome {
                    Ok(output) => {
                        let job_id = job_id.unwrap_or_default();
                        self.flow = Flow::Results {
                            photo,
                            output: output.clone(),
                            job_id: job_id.clone(),
                            own: true,
                            variant,
                        };
                        vec![
                            Action::Keep(Kept::Done {
                                job_id: job_id.clone(),
                                output: output.clone(),
                            }),
                            Action::Tell(Note::Complete { job_id, output }),
                        ]
                    }
                    Err(mut failure) => {
                        failure.job_id = failure.job_id.or(job_id);
                        if let Some(none_left) = failure.tries_left(now) {
                            // None left: the steps say so instead of offering more.
                            self.tries_left = Some(none_left);
                        }
                        let mut actions: Vec<Action<M>> = failure
                            .job_id
                            .clone()
                            .map(|job_id| Action::Keep(Kept::Gone { job_id }))
                            .into_iter()
                            .collect();
                        self.flow = Flow::Failed {
                            photo,
                            failure: failure.clone(),
                        };
                        actions.push(Action::Tell(Note::Error(failure)));
                        actions
                    }
                }
            }
            Event::Expired { job_id } => {
                let shown = matches!(&self.flow, Flow::Results { photo: None, job_id: id, .. } if *id == job_id);
                if !shown {
                    return vec![];
                }
                let failure = Failure {
                    kind: FailureKind::Expired,
                    name: "Expired".into(),
                    job_id: Some(job_id.clone()),
                    wait_seconds: None,
                };
                self.flow = Flow::Failed {
                    photo: None,
                    failure: failure.clone(),
                };
                vec![
                    Action::Keep(Kept::Gone { job_id }),
                    Action::Tell(Note::Error(failure)),
                ]
            }
            Event::PickVariant { variant, now } => {
                let Flow::Results {
                    photo: Some(photo),
                    own: true,
                    variant: shown,
                    ..
                } = &self.flow
                else {
                    return vec![];
                };
                if *shown == Some(variant) {
                    return vec![];
                }
                let photo = photo.clone();
                self.variant = Some(variant);
                // No capture and no photo check: the photo was checked the first time.
                let mut actions = self.run(photo, now);
                actions.push(Action::Tell(Note::Variant(variant)));
                actions
            }
            Event::Look {
                job_id,
                output,
                own,
                variant,
            } => {
                let here = matches!(self.flow, Flow::Start { .. } | Flow::Results { .. });
                if !here || output.is_empty() {
                    return vec![];
                }
                self.flow = Flow::Results {
                    photo: None,
                    output,
                    job_id: job_id.clone(),
                    own,
                    variant,
                };
                vec![
                    Action::StopWork,
                    Action::Tell(Note::Restore {
                        job_id,
                        running: false,
                    }),
                ]
            }
            Event::Restore {
                job_id,
                accepted_at,
                output,
                variant,
            } => {
                if !matches!(self.flow, Flow::Start { .. }) {
                    return vec![];
                }
                let running = output.is_empty();
                let told = Action::Tell(Note::Restore {
                    job_id: job_id.clone(),
                    running,
                });
                if !running {
                    self.flow = Flow::Results {
                        photo: None,
                        output,
                        job_id,
                        own: true,
                        variant,
                    };
                    return vec![told];
                }
                // Still running: waiting again, from when it was accepted, for the same
                // job (no new one).
                let attempt = self.begin(None, accepted_at);
                if let Some(job) = self.waiting(attempt) {
                    job.stage = Stage::Queued;
                    job.job_id = Some(job_id.clone());
                    job.variant = variant;
                }
                vec![
                    Action::StopWork,
                    Action::Follow {
                        attempt,
                        job_id,
                        accepted_at,
                    },
                    told,
                ]
            }
        }
    }

    /// Whether try-on `attempt` is the one being waited for.
    pub fn is_waiting(&self, attempt: u32) -> bool {
        matches!(&self.flow, Flow::Working(job) if job.attempt == attempt)
    }

    /// The waiting step of try-on `attempt`, if it is still the one shown.
    fn waiting(&mut self, attempt: u32) -> Option<&mut Waiting<M>> {
        match &mut self.flow {
            Flow::Working(job) if job.attempt == attempt => Some(job),
            _ => None,
        }
    }

    /// Enters the waiting step for a new try-on; its number.
    fn begin(&mut self, photo: Option<M::Prepared>, started_at: f64) -> u32 {
        self.attempt += 1;
        self.flow = Flow::Working(Waiting {
            photo,
            stage: Stage::Uploading,
            started_at,
            expected_end: started_at + self.typical_ms,
            job_id: None,
            attempt: self.attempt,
            variant: self.variant,
        });
        self.attempt
    }

    /// A new try-on of a photo already checked (or tried anyway).
    fn run(&mut self, photo: M::Prepared, started_at: f64) -> Vec<Action<M>> {
        let attempt = self.begin(Some(photo.clone()), started_at);
        vec![
            Action::StopWork,
            Action::Run {
                attempt,
                photo,
                check: PhotoCheck::Skip,
                variant: self.variant,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobError;

    /// Photos as names.
    struct Names;
    impl Media for Names {
        type Decoded = &'static str;
        type Source = &'static str;
        type Prepared = &'static str;
    }

    type M = Machine<Names>;

    /// What the actions are, in words.
    fn said(actions: &[Action<Names>]) -> Vec<String> {
        actions
            .iter()
            .map(|a| match a {
                Action::StopWork => "stop".to_owned(),
                Action::Prepare { attempt, photo, .. } => format!("prepare {photo} #{attempt}"),
                Action::Run {
                    attempt,
                    photo,
                    check,
                    variant,
                } => match variant {
                    Some(v) => format!("run {photo} #{attempt} {check:?} colour {v}"),
                    None => format!("run {photo} #{attempt} {check:?}"),
                },
                Action::Follow {
                    attempt, job_id, ..
                } => format!("follow {job_id} #{attempt}"),
                Action::Keep(kept) => format!("keep {kept:?}"),
                Action::Tell(note) => format!("tell {note:?}"),
            })
            .collect()
    }

    /// A machine at the frame step with a 3000×4000 photo, open.
    fn framing() -> M {
        let mut m = M::new(10_000.0);
        m.next(Event::Open);
        m.next(Event::Opening);
        m.next(Event::Opened(Ok(("decoded", "source", 3000, 4000))));
        m
    }

    /// A machine waiting for try-on 1 of "upload", submitted at `at`.
    fn waiting() -> M {
        let mut m = framing();
        m.next(Event::ConfirmFrame { now: 1_000.0 });
        m.next(Event::Prepared {
            attempt: 1,
            photo: Some(("upload", 864, 1296)),
        });
        m
    }

    #[test]
    fn a_photo_goes_from_the_frame_to_the_results() {
        let mut m = framing();
        assert_eq!(m.flow.step(), Step::Frame);
        let moved = m.flow.frame().unwrap().scaled(0.5);
        m.next(Event::FrameMoved(moved));
        assert_eq!(m.flow.frame(), Some(moved));
        let actions = m.next(Event::ConfirmFrame { now: 1_000.0 });
        assert_eq!(said(&actions), ["stop", "prepare decoded #1"]);
        assert_eq!(m.flow.step(), Step::Working);
        let actions = m.next(Event::Prepared {
            attempt: 1,
            photo: Some(("upload", 864, 1296)),
        });
        assert_eq!(
            said(&actions),
            [
                "tell PhotoReady { width: 864, height: 1296 }",
                "run upload #1 Ask"
            ]
        );
        assert_eq!(m.flow.prepared(), Some("upload"));
        let actions = m.next(Event::Submitted {
            attempt: 1,
            job_id: "job-1".into(),
            now: 2_000.0,
        });
        assert_eq!(
            said(&actions),
            [
                "keep Running { job_id: \"job-1\", at: 2000.0, variant: None }",
                "tell Submit { job_id: \"job-1\" }",
                "follow job-1 #1"
            ]
        );
        let actions = m.next(Event::Finished {
            attempt: 1,
            outcome: Ok(vec!["a.png".into()]),
            now: 9_000.0,
        });
        assert_eq!(
            said(&actions),
            [
                "keep Done { job_id: \"job-1\", output: [\"a.png\"] }",
                "tell Complete { job_id: \"job-1\", output: [\"a.png\"] }"
            ]
        );
        match &m.flow {
            Flow::Results {
                photo,
                output,
                job_id,
                own: true,
                ..
            } => {
                assert_eq!(
                    (*photo, output.as_slice(), job_id.as_str()),
                    (Some("upload"), &["a.png".to_owned()][..], "job-1")
                );
            }
            _ => panic!("results expected, at {:?}", m.flow.step()),
        }
        // The same photo again: no check, a new try-on.
        let actions = m.next(Event::TryAgain { now: 10_000.0 });
        assert_eq!(said(&actions), ["stop", "run upload #2 Skip"]);
    }

    /// A machine showing the results of try-on 1 (job-1) of "upload".
    fn results() -> M {
        let mut m = waiting();
        m.next(Event::Submitted {
            attempt: 1,
            job_id: "job-1".into(),
            now: 2_000.0,
        });
        m.next(Event::Finished {
            attempt: 1,
            outcome: Ok(vec!["a.png".into()]),
            now: 9_000.0,
        });
        m
    }

    #[test]
    fn another_colour_sends_the_same_photo_again_without_capture_or_check() {
        let mut m = results();
        let actions = m.next(Event::PickVariant {
            variant: 2,
            now: 10_000.0,
        });
        assert_eq!(
            said(&actions),
            ["stop", "run upload #2 Skip colour 2", "tell Variant(2)"]
        );
        assert_eq!(m.flow.step(), Step::Working);
        assert_eq!(m.variant, Some(2));
        // The result, and what the tab keeps of it, carry the colour it shows.
        let actions = m.next(Event::Submitted {
            attempt: 2,
            job_id: "job-2".into(),
            now: 11_000.0,
        });
        assert!(matches!(
            &actions[0],
            Action::Keep(Kept::Running {
                variant: Some(2),
                ..
            })
        ));
        m.next(Event::Finished {
            attempt: 2,
            outcome: Ok(vec!["b.png".into()]),
            now: 12_000.0,
        });
        assert!(matches!(
            m.flow,
            Flow::Results {
                variant: Some(2),
                ..
            }
        ));
        // The colour shown already: nothing to do.
        let same = m.next(Event::PickVariant {
            variant: 2,
            now: 12_500.0,
        });
        assert!(same.is_empty());
        // A kept result of another colour, looked at again, shows that colour.
        m.next(Event::Look {
            job_id: "job-1".into(),
            output: vec!["a.png".into()],
            own: true,
            variant: Some(0),
        });
        assert!(matches!(
            m.flow,
            Flow::Results {
                variant: Some(0),
                ..
            }
        ));
        // The colour stays for the next photo too.
        m.next(Event::StartOver);
        m.next(Event::Opened(Ok(("decoded", "source", 3000, 4000))));
        m.next(Event::ConfirmFrame { now: 11_000.0 });
        let actions = m.next(Event::Prepared {
            attempt: 3,
            photo: Some(("second", 864, 1296)),
        });
        assert_eq!(said(&actions)[1], "run second #3 Ask colour 2");
        // Without the photo (kept from before a reload) or while waiting: nothing.
        let mut m = M::new(10_000.0);
        m.next(Event::Open);
        m.next(Event::Restore {
            job_id: "job-1".into(),
            accepted_at: 1.0,
            output: vec!["a.png".into()],
            variant: None,
        });
        let pick = || Event::PickVariant {
            variant: 1,
            now: 2.0,
        };
        assert!(m.next(pick()).is_empty());
        assert!(waiting().next(pick()).is_empty());
    }

    #[test]
    fn a_kept_try_on_is_looked_at_again_without_a_request() {
        let mut m = results();
        let actions = m.next(Event::Look {
            job_id: "job-0".into(),
            output: vec!["z.png".into()],
            own: false,
            variant: None,
        });
        assert_eq!(
            said(&actions),
            ["stop", "tell Restore { job_id: \"job-0\", running: false }"]
        );
        assert!(matches!(
            &m.flow,
            Flow::Results { photo: None, own: false, job_id, .. } if job_id == "job-0"
        ));
        // Another product's pictures: no colours of this one for them.
        assert!(m
            .next(Event::PickVariant {
                variant: 0,
                now: 1.0
            })
            .is_empty());
        // Not while a try-on is being waited for.
        let mut m = waiting();
        let look = Event::Look {
            job_id: "job-0".into(),
            output: vec!["z.png".into()],
            own: true,
            variant: None,
        };
        assert!(m.next(look).is_empty());
        assert_eq!(m.flow.step(), Step::Working);
    }

    #[test]
    fn news_of_a_try_on_the_shopper_left_is_dropped() {
        let mut m = waiting();
        m.next(Event::StartOver);
        assert_eq!(m.flow.step(), Step::Start);
        for late in [
            Event::Stage {
                attempt: 1,
                stage: Stage::Generating,
            },
            Event::Submitted {
                attempt: 1,
                job_id: "old".into(),
                now: 0.0,
            },
            Event::Finished {
                attempt: 1,
                outcome: Ok(vec!["a.png".into()]),
                now: 0.0,
            },
        ] {
            assert!(m.next(late).is_empty());
            assert_eq!(m.flow.step(), Step::Start);
        }
        // Started again: news of the first try-on does not touch the second.
        let mut m = waiting();
        m.next(Event::Finished {
            attempt: 1,
            outcome: Err(Failure::from(JobError::TimedOut { job_id: None })),
            now: 0.0,
        });
        m.next(Event::TryAgain { now: 5_000.0 });
        assert!(m
            .next(Event::Finished {
                attempt: 1,
                outcome: Ok(vec![]),
                now: 0.0
            })
            .is_empty());
        assert_eq!(m.flow.step(), Step::Working);
    }

    #[test]
    fn closing_stops_the_work_and_forgets_the_photo() {
        let mut m = waiting();
        assert_eq!(
            said(&m.next(Event::Close)),
            ["stop", "keep Open(false)", "tell Close"]
        );
        assert!(!m.open);
        assert_eq!(m.flow.step(), Step::Start);
        assert!(m.next(Event::Close).is_empty(), "closed once");
        assert_eq!(said(&m.next(Event::Open)), ["keep Open(true)", "tell Open"]);
        assert!(m.next(Event::Open).is_empty(), "opened once");
    }

    #[test]
    fn photos_that_cannot_be_used_say_why_on_the_start_step() {
        let mut m = framing();
        m.next(Event::Opened(Err(Notice::Unsupported("HEIC"))));
        assert!(matches!(
            m.flow,
            Flow::Start {
                notice: Some(Notice::Unsupported("HEIC"))
            }
        ));
        // A small photo is framed, with its size to warn about.
        m.next(Event::Opened(Ok(("d", "s", 400, 600))));
        match &m.flow {
            Flow::Frame(framing) => assert_eq!(framing.small, Some((400, 600))),
            _ => panic!("framing expected"),
        }
        // The upload could not be made.
        m.next(Event::ConfirmFrame { now: 0.0 });
        m.next(Event::Prepared {
            attempt: 1,
            photo: None,
        });
        assert!(matches!(
            m.flow,
            Flow::Start {
                notice: Some(Notice::NotAPhoto)
            }
        ));
    }

    #[test]
    fn advice_then_trying_anyway_goes_on_from_where_the_progress_was() {
        let mut m = waiting();
        let actions = m.next(Event::Advised {
            attempt: 1,
            problems: vec![PhotoProblem::NoPerson],
            now: 4_000.0,
        });
        assert_eq!(said(&actions), ["tell Advice([NoPerson])"]);
        assert_eq!(m.flow.step(), Step::Advice);
        let actions = m.next(Event::TryAnyway { now: 60_000.0 });
        assert_eq!(said(&actions), ["stop", "run upload #2 Skip"]);
        match &m.flow {
            // Waited 3 s before the advice (confirmed at 1 s): it picks up there.
            Flow::Working(job) => assert_eq!(job.started_at, 57_000.0),
            _ => panic!("working expected"),
        }
    }

    #[test]
    fn the_estimate_counts_the_wait_for_a_free_spot_then_the_typical_time_from_acceptance() {
        // Typical 10 s; confirmed at 1 s: expected at 11 s.
        let mut m = waiting();
        let end = |m: &M| match &m.flow {
            Flow::Working(job) => (job.stage, job.expected_end),
            _ => panic!("working expected"),
        };
        assert_eq!(end(&m), (Stage::Uploading, 11_000.0));
        // No free spot until 30 s: the try-on starts then.
        m.next(Event::FreeSpotAt {
            attempt: 1,
            at: 30_000.0,
        });
        assert_eq!(end(&m), (Stage::Queued, 40_000.0));
        // Accepted at 31 s: the typical time counts from there.
        m.next(Event::Submitted {
            attempt: 1,
            job_id: "j".into(),
            now: 31_000.0,
        });
        assert_eq!(end(&m).1, 41_000.0);
    }

    #[test]
    fn a_quota_failure_leaves_no_tries_and_keeps_the_job_id() {
        let mut m = waiting();
        m.next(Event::Submitted {
            attempt: 1,
            job_id: "job-9".into(),
            now: 2_000.0,
        });
        let quota = Failure {
            kind: FailureKind::Quota,
            name: "QuotaExceeded".into(),
            job_id: None,
            wait_seconds: Some(60.0),
        };
        let actions = m.next(Event::Finished {
            attempt: 1,
            outcome: Err(quota),
            now: 5_000.0,
        });
        assert_eq!(
            said(&actions)[0],
            "keep Gone { job_id: \"job-9\" }",
            "a failed job is not shown again"
        );
        match &m.flow {
            Flow::Failed { failure, .. } => assert_eq!(failure.job_id.as_deref(), Some("job-9")),
            _ => panic!("failed expected"),
        }
        assert_eq!(
            m.tries_left,
            Some(TriesLeft {
                remaining: 0,
                whole_at: 65_000.0
            })
        );
    }

    #[test]
    fn a_kept_try_on_is_shown_again_without_a_new_job() {
        // Done: the pictures at once, with no request and no photo.
        let mut m = M::new(10_000.0);
        m.next(Event::Open);
        let actions = m.next(Event::Restore {
            job_id: "job-1".into(),
            accepted_at: 1_000.0,
            output: vec!["a.png".into()],
            variant: None,
        });
        assert_eq!(
            said(&actions),
            ["tell Restore { job_id: \"job-1\", running: false }"]
        );
        assert!(matches!(&m.flow, Flow::Results { photo: None, .. }));
        // "Try again" without the photo: back to the start for one.
        assert!(m.next(Event::TryAgain { now: 0.0 }).is_empty());
        assert_eq!(m.flow.step(), Step::Start);

        // Running: waiting again for the same job, from when it was accepted.
        let mut m = M::new(10_000.0);
        let actions = m.next(Event::Restore {
            job_id: "job-2".into(),
            accepted_at: 5_000.0,
            output: vec![],
            variant: None,
        });
        assert_eq!(
            said(&actions),
            [
                "stop",
                "follow job-2 #1",
                "tell Restore { job_id: \"job-2\", running: true }"
            ]
        );
        match &m.flow {
            Flow::Working(job) => {
                assert_eq!((job.started_at, job.expected_end), (5_000.0, 15_000.0));
                assert_eq!(job.job_id.as_deref(), Some("job-2"));
            }
            _ => panic!("working expected"),
        }
        let actions = m.next(Event::Finished {
            attempt: 1,
            outcome: Ok(vec!["b.png".into()]),
            now: 9_000.0,
        });
        assert_eq!(said(&actions).len(), 2);
        assert!(matches!(&m.flow, Flow::Results { photo: None, job_id, .. } if job_id == "job-2"));
        // Nothing is restored over a shopper who is already somewhere.
        let mut m = framing();
        let restore = Event::Restore {
            job_id: "x".into(),
            accepted_at: 0.0,
            output: vec!["c.png".into()],
            variant: None,
        };
        assert!(m.next(restore).is_empty());
        assert_eq!(m.flow.step(), Step::Frame);
    }

    #[test]
    fn cancelling_a_submitted_try_on_forgets_it_closing_keeps_it() {
        let mut m = waiting();
        m.next(Event::Submitted {
            attempt: 1,
            job_id: "job-1".into(),
            now: 2_000.0,
        });
        assert_eq!(
            said(&m.next(Event::StartOver)),
            ["stop", "keep Gone { job_id: \"job-1\" }"]
        );
        let mut m = waiting();
        m.next(Event::Submitted {
            attempt: 1,
            job_id: "job-1".into(),
            now: 2_000.0,
        });
        assert!(!said(&m.next(Event::Close))
            .iter()
            .any(|a| a.contains("Gone")));
    }
}
