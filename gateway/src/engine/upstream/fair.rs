//! Fair turns at the provider's submit limit: when submits wait for a permit, the next
//! turn goes to the waiting client address that had the fewest turns in the last
//! minute (round-robin among equals), and within an address round-robin across
//! sessions, instead of in arrival order. A script with many submits waiting has had
//! many turns, so an honest shopper who arrives behind it goes next: its wait is about
//! one permit interval, however many addresses the script uses. A submit that gave up
//! waiting (answered 429 with a Retry-After) keeps its place: its session's retry
//! within a minute goes first among its equals and within its address.
//!
//! Only the holder of the turn asks the submit budget for a permit; the next turn is
//! given when it has one (or gives up), so the budget's own first-come order is the
//! round's order. With replicas, the holder competes with the other replicas' holders
//! for each permit, and the permit goes to the one whose address had the fewest turns
//! (`cluster::lease`): a script's submit holding the turn here would keep losing while
//! an honest shopper waited behind it, so a holder steps aside when an address with
//! fewer turns than it had arrives ([`Turn::outranked`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

/// How long what the shared budget said of an address's turns is believed.
const HEARD_FOR: Duration = Duration::from_secs(10);
/// How long a session that gave up waiting keeps its place for its retry.
const PLACE_KEPT: Duration = Duration::from_secs(60);
/// The turns an address had within this long count against its next one.
const RECENT: Duration = Duration::from_secs(60);
/// Who waits: the shopper's address and session (the server key is one session).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    /// The client address.
    pub address: String,
    /// The session.
    pub session: String,
}

/// The line of submits waiting for their turn at the submit budget.
#[derive(Default)]
pub struct FairLine {
    state: Arc<Mutex<Line>>,
    /// Told when an address joins the line (a holder may be outranked).
    joined: Arc<Notify>,
}

#[derive(Default)]
struct Line {
    /// Whether a turn is out.
    busy: bool,
    /// Addresses with waiting submits, in round-robin order (among equals).
    addresses: VecDeque<String>,
    /// When each address had its turns within [`RECENT`].
    recent: HashMap<String, VecDeque<Instant>>,
    /// Per address: its sessions in turn order, and each session's waiters.
    queues: HashMap<String, AddressQueue>,
    /// With replicas: each address's turns on all of them, and when that was heard.
    learned: HashMap<String, (usize, Instant)>,
    /// Sessions that gave up waiting, and until when their place is kept.
    kept: HashMap<String, Instant>,
    /// Submits waiting now.
    waiting: usize,
    next_id: u64,
}

#[derive(Default)]
struct AddressQueue {
    sessions: VecDeque<String>,
    waiters: HashMap<String, VecDeque<(u64, oneshot::Sender<()>)>>,
}

/// The right to ask the submit budget now; the next turn is given when it is dropped.
pub struct Turn {
    state: Arc<Mutex<Line>>,
    joined: Arc<Notify>,
    address: String,
}

impl Turn {
    /// Resolves when a submit waits here from an address that had fewer turns than
    /// this one's had before it: the turn should go to it ([`Turn::step_aside`]).
    pub async fn outranked(&self) {
        loop {
            let joined = self.joined.notified();
            tokio::pin!(joined);
            joined.as_mut().enable();
            {
                let mut line = self.state.lock().unwrap();
                line.forget_old_turns(Instant::now());
                // The turns its address had before this one.
                let before = line
                    .local(&self.address)
                    .saturating_sub(1)
                    .max(line.learned(&self.address));
                let fewer = line
                    .addresses
                    .iter()
                    .any(|a| *a != self.address && line.turns(a) < before);
                if fewer {
                    return;
                }
            }
            joined.await;
        }
    }

    /// Gives the turn back unused (it does not count) to the next in the round; the
    /// submit queues again.
    pub fn step_aside(self) {
        let mut line = self.state.lock().unwrap();
        if let Some(turns) = line.recent.get_mut(&self.address) {
            turns.pop_back();
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        give_next(&mut self.state.lock().unwrap());
    }
}

impl FairLine {
    /// Waits for `place`'s turn, at most until `deadline`; `None` when it did not come.
    pub async fn turn(&self, place: &Place, deadline: Instant) -> Option<Turn> {
        let (id, granted) = {
            let mut line = self.state.lock().unwrap();
            let now = Instant::now();
            line.kept.retain(|_, until| *until > now);
            if !line.busy && line.waiting == 0 {
                line.busy = true;
                line.kept.remove(&place.session);
                line.had_turn(&place.address, now);
                return Some(self.held_by(place));
            }
            let (sender, receiver) = oneshot::channel();
            let id = line.next_id;
            line.next_id += 1;
            line.enqueue(place, id, sender);
            (id, receiver)
        };
        self.joined.notify_waiters();
        let mut waiting = Waiting {
            state: &self.state,
            place,
            id,
            receiver: Some(granted),
            gave_up: false,
        };
        let receiver = waiting.receiver.as_mut().expect("set above");
        match tokio::time::timeout_at(deadline, receiver).await {
            Ok(Ok(())) => {
                waiting.receiver = None;
                Some(self.held_by(place))
            }
            _ => {
                waiting.gave_up = true;
                None
            }
        }
    }

    /// The turn `place` was just given (and counted).
    fn held_by(&self, place: &Place) -> Turn {
        Turn {
            state: self.state.clone(),
            joined: self.joined.clone(),
            address: place.address.clone(),
        }
    }

    /// With replicas: `address` had `turns` on all of them within the window (the
    /// shared budget says so when asked). Its turns count at least that here.
    pub fn saw_turns(&self, address: &str, turns: usize) {
        {
            let mut line = self.state.lock().unwrap();
            line.learned
                .insert(address.to_owned(), (turns, Instant::now()));
        }
        // A holder may be outranked now.
        self.joined.notify_waiters();
    }

    /// Submits waiting for their turn now.
    pub fn waiting(&self) -> usize {
        self.state.lock().unwrap().waiting
    }

    /// How many turns would go before `place`'s if it came back now: the waiting
    /// addresses with fewer turns in the last minute (a retry that kept its place goes
    /// first among its equals), and the other sessions waiting behind its own
    /// address. What a busy answer's Retry-After is made from.
    pub fn ahead_of(&self, place: &Place) -> usize {
        let mut line = self.state.lock().unwrap();
        line.forget_old_turns(Instant::now());
        let mine = line.turns(&place.address);
        let fewer = line
            .addresses
            .iter()
            .filter(|a| **a != place.address && line.turns(a) < mine)
            .count();
        // Behind one address (an office, a carrier's shared address, a crowd on one
        // proxy) its other sessions take turns before this one comes round again.
        let neighbours = line.queues.get(&place.address).map_or(0, |q| {
            q.sessions.iter().filter(|s| **s != place.session).count()
        });
        fewer + neighbours
    }
}

/// One waiting submit; dropped before its turn came (gone, or out of patience), it
/// leaves the line, and a turn given to it meanwhile goes on to the next.
struct Waiting<'a> {
    state: &'a Arc<Mutex<Line>>,
    place: &'a Place,
    id: u64,
    receiver: Option<oneshot::Receiver<()>>,
    gave_up: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(mut receiver) = self.receiver.take() else {
            return;
        };
        let mut line = self.state.lock().unwrap();
        if self.gave_up {
            // Its retry (after the Retry-After it is told) keeps its place.
            line.kept
                .insert(self.place.session.clone(), Instant::now() + PLACE_KEPT);
        }
        if receiver.try_recv().is_ok() {
            // The turn came as it left: on to the next.
            give_next(&mut line);
        } else {
            line.remove(self.place, self.id);
        }
    }
}

impl Line {
    fn enqueue(&mut self, place: &Place, id: u64, sender: oneshot::Sender<()>) {
        self.waiting += 1;
        let first = self.kept.remove(&place.session).is_some();
        let known_address = self.queues.contains_key(&place.address);
        let queue = self.queues.entry(place.address.clone()).or_default();
        let waiters = queue.waiters.entry(place.session.clone()).or_default();
        if waiters.is_empty() {
            if first {
                queue.sessions.push_front(place.session.clone());
            } else {
                queue.sessions.push_back(place.session.clone());
            }
        }
        waiters.push_back((id, sender));
        if first {
            // First among its equals; fewer turns still go first (a script's retry
            // does not jump the shoppers who have had none).
            self.addresses.retain(|a| *a != place.address);
            self.addresses.push_front(place.address.clone());
        } else if !known_address {
            self.addresses.push_back(place.address.clone());
        }
    }

    /// Turns `address` had within [`RECENT`]: here, or (with replicas) on all of
    /// them as last heard, whichever is more.
    fn turns(&self, address: &str) -> usize {
        self.local(address).max(self.learned(address))
    }

    /// Turns `address` had here within [`RECENT`].
    fn local(&self, address: &str) -> usize {
        self.recent.get(address).map_or(0, VecDeque::len)
    }

    /// Turns `address` had on all replicas, as the shared budget last said.
    fn learned(&self, address: &str) -> usize {
        self.learned.get(address).map_or(0, |(n, _)| *n)
    }

    fn had_turn(&mut self, address: &str, now: Instant) {
        self.recent
            .entry(address.to_owned())
            .or_default()
            .push_back(now);
    }

    fn forget_old_turns(&mut self, now: Instant) {
        self.recent.retain(|_, turns| {
            while turns
                .front()
                .is_some_and(|t| now.duration_since(*t) >= RECENT)
            {
                turns.pop_front();
            }
            !turns.is_empty()
        });
        self.learned
            .retain(|_, (_, at)| now.duration_since(*at) < HEARD_FOR);
    }

    /// Takes a waiter that left before its turn out of the line.
    fn remove(&mut self, place: &Place, id: u64) {
        let Some(queue) = self.queues.get_mut(&place.address) else {
            return;
        };
        let Some(waiters) = queue.waiters.get_mut(&place.session) else {
            return;
        };
        let before = waiters.len();
        waiters.retain(|(w, _)| *w != id);
        self.waiting -= before - waiters.len();
        if waiters.is_empty() {
            queue.waiters.remove(&place.session);
            queue.sessions.retain(|s| *s != place.session);
        }
        if queue.sessions.is_empty() {
            self.queues.remove(&place.address);
            self.addresses.retain(|a| *a != place.address);
        }
    }

    /// The next waiter in the round, if any.
    fn next_waiter(&mut self) -> Option<oneshot::Sender<()>> {
        let now = Instant::now();
        self.forget_old_turns(now);
        // The fewest turns lately; the first in round order among equals.
        let (index, _) = self
            .addresses
            .iter()
            .enumerate()
            .min_by_key(|(i, a)| (self.turns(a), *i))?;
        let address = self.addresses.remove(index)?;
        self.had_turn(&address, now);
        let queue = self
            .queues
            .get_mut(&address)
            .expect("listed addresses wait");
        let session = queue
            .sessions
            .pop_front()
            .expect("listed addresses have sessions");
        let waiters = queue
            .waiters
            .get_mut(&session)
            .expect("listed sessions wait");
        let (_, sender) = waiters.pop_front().expect("listed sessions have waiters");
        self.waiting -= 1;
        if waiters.is_empty() {
            queue.waiters.remove(&session);
        } else {
            queue.sessions.push_back(session);
        }
        if queue.sessions.is_empty() {
            self.queues.remove(&address);
        } else {
            self.addresses.push_back(address);
        }
        Some(sender)
    }
}

/// Gives the turn to the next waiter in the round (skipping any that left), or marks
/// the line free.
fn give_next(line: &mut Line) {
    while let Some(sender) = line.next_waiter() {
        if sender.send(()).is_ok() {
            return;
        }
    }
    line.busy = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(address: &str, session: &str) -> Place {
        Place {
            address: address.into(),
            session: session.into(),
        }
    }

    type Served = Arc<Mutex<Vec<String>>>;

    /// A waiter at `p` that, given its turn, writes `name` in `served` and holds the
    /// turn for 10 ms.
    fn take_turn(
        line: &Arc<FairLine>,
        served: &Served,
        p: Place,
        name: String,
    ) -> tokio::task::JoinHandle<()> {
        let (line, served) = (line.clone(), served.clone());
        tokio::spawn(async move {
            let turn = line.turn(&p, far()).await.unwrap();
            served.lock().unwrap().push(name);
            tokio::time::sleep(Duration::from_millis(10)).await;
            drop(turn);
        })
    }

    /// Starts waiters in this order (each holding its turn for 10 ms) and returns the
    /// order in which they got their turn.
    async fn order(line: Arc<FairLine>, places: Vec<Place>) -> Vec<String> {
        let served = Served::default();
        let first = line.turn(&place("x", "first"), far()).await.unwrap();
        let mut tasks = Vec::new();
        for (i, p) in places.into_iter().enumerate() {
            let name = format!("{}{i}", p.session);
            tasks.push(take_turn(&line, &served, p, name));
            tokio::task::yield_now().await;
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        let served = served.lock().unwrap().clone();
        served
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    #[tokio::test(start_paused = true)]
    async fn a_script_with_many_waiting_takes_one_turn_a_round() {
        let line = Arc::new(FairLine::default());
        let mut places: Vec<Place> = (0..6).map(|_| place("script", "s")).collect();
        places.push(place("home", "h"));
        places.push(place("office", "o"));
        let served = order(line.clone(), places).await;
        assert_eq!(served, ["s0", "h6", "o7", "s1", "s2", "s3", "s4", "s5"]);
        assert_eq!(line.waiting(), 0);
    }

    /// Whether `turn` is outranked within a moment.
    async fn is_outranked(turn: &Turn) -> bool {
        tokio::time::timeout(Duration::from_millis(10), turn.outranked())
            .await
            .is_ok()
    }

    /// A shopper from a new address arrives: `held` is outranked, steps aside, and the
    /// shopper has the turn.
    async fn steps_aside_for_a_shopper(line: &Arc<FairLine>, held: Turn) {
        let served = Served::default();
        let shopper = take_turn(line, &served, place("home", "h"), "home".into());
        tokio::task::yield_now().await;
        assert!(is_outranked(&held).await);
        held.step_aside();
        shopper.await.unwrap();
        assert_eq!(*served.lock().unwrap(), ["home"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_holder_steps_aside_for_an_address_with_fewer_turns() {
        let line = Arc::new(FairLine::default());
        // The script had three turns; its fourth waits at the budget.
        for _ in 0..3 {
            drop(line.turn(&place("script", "s"), far()).await.unwrap());
        }
        let held = line.turn(&place("script", "s"), far()).await.unwrap();
        assert!(!is_outranked(&held).await, "no one waits yet");
        steps_aside_for_a_shopper(&line, held).await;
        // The turn it gave back does not count against the script.
        assert_eq!(line.state.lock().unwrap().turns("script"), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn equals_do_not_pass_the_turn_back_and_forth() {
        let line = Arc::new(FairLine::default());
        let held = line.turn(&place("a", "s"), far()).await.unwrap();
        let served = Served::default();
        let other = take_turn(&line, &served, place("b", "t"), "b".into());
        tokio::task::yield_now().await;
        // Both had no turn before this one: the holder keeps it.
        assert!(!is_outranked(&held).await);
        drop(held);
        other.await.unwrap();
        assert_eq!(*served.lock().unwrap(), ["b"]);
    }

    #[tokio::test(start_paused = true)]
    async fn turns_heard_from_the_other_replicas_count() {
        let line = Arc::new(FairLine::default());
        // New here, but the shared budget says this address had 5 turns elsewhere.
        let held = line.turn(&place("script", "s"), far()).await.unwrap();
        line.saw_turns("script", 5);
        steps_aside_for_a_shopper(&line, held).await;
        // What was heard is believed for a while only.
        tokio::time::advance(HEARD_FOR).await;
        let mut state = line.state.lock().unwrap();
        state.forget_old_turns(Instant::now());
        assert_eq!(state.turns("script"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_newcomer_goes_before_addresses_that_had_turns_lately() {
        let line = Arc::new(FairLine::default());
        let served = Served::default();
        let held = line.turn(&place("x", "x"), far()).await.unwrap();
        let take_turn = |p: Place, name: String| take_turn(&line, &served, p, name);
        // Ten script addresses with three submits each, served for ten turns…
        let mut tasks = vec![];
        for n in 0..30 {
            tasks.push(take_turn(
                place(&format!("script{}", n % 10), "s"),
                format!("s{n}"),
            ));
            tokio::task::yield_now().await;
        }
        drop(held);
        tokio::time::sleep(Duration::from_millis(105)).await;
        assert_eq!(line.ahead_of(&place("home", "h")), 0);
        assert_eq!(
            line.ahead_of(&place("script3", "other")),
            1,
            "behind its address's waiting session"
        );
        // …then a shopper: round-robin would put it behind a turn of each script
        // address (ten); it has had none lately, so it goes next.
        tasks.push(take_turn(place("home", "h"), "h".into()));
        for t in tasks {
            t.await.unwrap();
        }
        let served = served.lock().unwrap().clone();
        let before = served.iter().position(|s| s == "h").unwrap();
        assert!(before <= 12, "{before} went first: {served:?}");
        assert_eq!(line.state.lock().unwrap().turns("script0"), 3);
        // A minute on, old turns no longer count.
        tokio::time::advance(RECENT).await;
        let mut state = line.state.lock().unwrap();
        state.forget_old_turns(Instant::now());
        assert_eq!(state.turns("script0"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn sessions_behind_one_address_take_turns_too() {
        let line = Arc::new(FairLine::default());
        let places = vec![
            place("a", "s"),
            place("a", "s"),
            place("a", "s"),
            place("a", "t"),
            place("b", "u"),
        ];
        let served = order(line, places).await;
        assert_eq!(served, ["s0", "u4", "t3", "s1", "s2"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_out_of_patience_leaves_and_its_retry_keeps_its_place() {
        let line = Arc::new(FairLine::default());
        let served = Served::default();
        let held = line.turn(&place("x", "x"), far()).await.unwrap();
        let wait_for_turn = |p: Place| {
            let name = p.session.clone();
            take_turn(&line, &served, p, name)
        };
        let mut tasks: Vec<_> = (0..3)
            .map(|_| wait_for_turn(place("script", "s")))
            .collect();
        tokio::task::yield_now().await;
        let soon = Instant::now() + Duration::from_millis(5);
        assert!(line.turn(&place("home", "h"), soon).await.is_none());
        assert_eq!(line.waiting(), 3, "the one out of patience left the line");
        // Its retry is served first, before the script's three that waited longer.
        tasks.push(wait_for_turn(place("home", "h")));
        tokio::task::yield_now().await;
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*served.lock().unwrap(), ["h", "s", "s", "s"]);
        assert_eq!(line.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_given_to_one_who_left_goes_on_to_the_next() {
        let line = Arc::new(FairLine::default());
        let held = line.turn(&place("x", "x"), far()).await.unwrap();
        let gone = {
            let line = line.clone();
            tokio::spawn(async move { line.turn(&place("a", "a"), far()).await })
        };
        let next = {
            let line = line.clone();
            tokio::spawn(async move { line.turn(&place("b", "b"), far()).await.is_some() })
        };
        tokio::task::yield_now().await;
        gone.abort();
        let _ = gone.await;
        drop(held);
        assert!(next.await.unwrap());
    }
}
