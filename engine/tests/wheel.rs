//! The timer wheel driven by a manual clock: arm, cancel, re-arm and the order things fire in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::clock::ManualClock;
use spinfix::wheel::{TimerWheel, WheelError};
use spinfix_session::time::{MonoTime, Now, UtcTime};
use std::time::Duration;

const MS: u64 = 1_000_000;

fn wheel(slots: usize) -> TimerWheel {
    TimerWheel::new(Duration::from_millis(1), slots, 16, MonoTime(0)).unwrap()
}

fn drain(w: &mut TimerWheel, now: u64) -> Vec<usize> {
    let mut fired = Vec::new();
    while let Some(id) = w.poll(MonoTime(now)) {
        fired.push(id);
    }
    fired
}

#[test]
fn fires_at_the_deadline_not_before_in_tick_order() {
    let mut w = wheel(64);
    w.arm(1, MonoTime(30 * MS)).unwrap();
    w.arm(2, MonoTime(10 * MS)).unwrap();
    w.arm(3, MonoTime(20 * MS + 500)).unwrap();
    assert_eq!(w.len(), 3);
    assert!(drain(&mut w, 10 * MS - 1).is_empty());
    assert_eq!(drain(&mut w, 10 * MS), vec![2]);
    // Same tick as the deadline but a little before it: not yet.
    assert!(drain(&mut w, 20 * MS + 499).is_empty());
    assert_eq!(drain(&mut w, 40 * MS), vec![3, 1]);
    assert!(w.is_empty());
}

#[test]
fn cancel_and_rearm_replace_the_deadline() {
    let mut w = wheel(64);
    w.arm(4, MonoTime(5 * MS)).unwrap();
    assert_eq!(w.cancel(4), Ok(true));
    assert_eq!(w.cancel(4), Ok(false));
    assert!(drain(&mut w, 10 * MS).is_empty());
    w.arm(5, MonoTime(20 * MS)).unwrap();
    w.arm(5, MonoTime(15 * MS)).unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w.deadline(5), Some(MonoTime(15 * MS)));
    assert_eq!(drain(&mut w, 15 * MS), vec![5]);
    assert_eq!(w.deadline(5), None);
}

#[test]
fn entries_a_revolution_away_wait_for_their_time() {
    let mut w = wheel(8);
    // Same bucket (tick 3 and tick 11 in an 8-slot wheel).
    w.arm(0, MonoTime(3 * MS)).unwrap();
    w.arm(1, MonoTime(11 * MS)).unwrap();
    assert_eq!(drain(&mut w, 3 * MS), vec![0]);
    assert!(drain(&mut w, 10 * MS).is_empty());
    assert_eq!(drain(&mut w, 11 * MS), vec![1]);
}

#[test]
fn a_jump_of_many_revolutions_fires_everything_due() {
    let mut w = wheel(8);
    for id in 0..10 {
        w.arm(id, MonoTime((id as u64 * 7 + 1) * MS)).unwrap();
    }
    w.arm(10, MonoTime(10_000 * MS)).unwrap();
    let mut fired = drain(&mut w, 1_000 * MS);
    fired.sort_unstable();
    assert_eq!(fired, (0..10).collect::<Vec<_>>());
    assert_eq!(w.len(), 1);
    assert_eq!(drain(&mut w, 10_000 * MS), vec![10]);
}

#[test]
fn a_deadline_in_the_past_fires_at_the_next_poll() {
    let mut w = wheel(8);
    assert!(drain(&mut w, 50 * MS).is_empty());
    w.arm(2, MonoTime(MS)).unwrap();
    assert_eq!(drain(&mut w, 50 * MS), vec![2]);
}

#[test]
fn a_session_rearming_from_its_timeout_fires_once_per_interval() {
    // What the session thread does: poll the wheel with the cycle's time, handle the timeout,
    // re-arm with the session's next deadline.
    let clock = ManualClock::new(Now::new(MonoTime(0), UtcTime(0)));
    let mut w = wheel(16);
    let heartbeat = Duration::from_secs(30);
    w.arm(7, MonoTime(0).saturating_add(heartbeat)).unwrap();
    let mut fired_at = Vec::new();
    for _ in 0..100 {
        clock.advance(Duration::from_secs(1));
        let now = clock.get().mono;
        while let Some(id) = w.poll(now) {
            fired_at.push(now.0 / 1_000_000_000);
            w.arm(id, now.saturating_add(heartbeat)).unwrap();
        }
    }
    assert_eq!(fired_at, vec![30, 60, 90]);
}

#[test]
fn ids_and_shapes_are_checked() {
    let mut w = wheel(8);
    assert_eq!(
        w.arm(16, MonoTime(0)),
        Err(WheelError::NoSuchId {
            id: 16,
            capacity: 16
        })
    );
    assert!(w.cancel(99).is_err());
    assert!(TimerWheel::new(Duration::from_millis(1), 6, 4, MonoTime(0)).is_err());
    assert!(TimerWheel::new(Duration::ZERO, 8, 4, MonoTime(0)).is_err());
}

/// Random arms, cancels and clock jumps (fixed seed) against a plain table: after every poll loop
/// exactly the entries due have fired, each once, none early.
#[test]
fn matches_a_naive_model_under_random_operations() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut w = TimerWheel::new(Duration::from_millis(1), 16, 32, MonoTime(0)).unwrap();
    let mut model: Vec<Option<u64>> = vec![None; 32];
    let mut now = 0u64;
    let mut fired = 0;
    for _ in 0..20_000 {
        match rand(10) {
            0..=4 => {
                let id = rand(32) as usize;
                // Mostly near, sometimes several revolutions away, sometimes in the past.
                let deadline = match rand(4) {
                    0 => now.saturating_sub(rand(5 * MS)),
                    1 => now + rand(100 * MS),
                    _ => now + rand(10 * MS),
                };
                w.arm(id, MonoTime(deadline)).unwrap();
                model[id] = Some(deadline);
            }
            5 => {
                let id = rand(32) as usize;
                assert_eq!(w.cancel(id).unwrap(), model[id].take().is_some());
            }
            _ => {
                let span = if rand(20) == 0 { 200 * MS } else { 3 * MS };
                now += rand(span);
                while let Some(id) = w.poll(MonoTime(now)) {
                    let deadline = model[id].take().expect("fired an id that was not armed");
                    assert!(deadline <= now, "fired early");
                    fired += 1;
                }
                assert!(
                    model.iter().flatten().all(|d| *d > now),
                    "a due entry did not fire"
                );
            }
        }
        assert_eq!(w.len(), model.iter().flatten().count());
    }
    assert!(fired > 5_000, "only {fired} fired");
}

#[test]
fn polls_before_every_deadline_find_nothing_and_stale_bounds_heal() {
    let mut w = wheel(64);
    w.arm(1, MonoTime(100 * MS)).unwrap();
    for t in [0, 1, 50 * MS, 100 * MS - 1] {
        assert!(drain(&mut w, t).is_empty(), "{t}");
    }
    // The earliest entry moves later: the bound it left behind is stale, not wrong.
    w.arm(1, MonoTime(300 * MS)).unwrap();
    w.arm(2, MonoTime(200 * MS)).unwrap();
    assert!(drain(&mut w, 150 * MS).is_empty());
    assert_eq!(drain(&mut w, 200 * MS), [2]);
    assert!(drain(&mut w, 299 * MS).is_empty());
    // Polled long after: several revolutions of the wheel went by unpolled.
    w.arm(3, MonoTime(5_000 * MS)).unwrap();
    let mut fired = drain(&mut w, 10_000 * MS);
    fired.sort_unstable();
    assert_eq!(fired, [1, 3]);
    assert!(w.is_empty());
    // A cancelled entry leaves nothing due behind it.
    w.arm(4, MonoTime(10_100 * MS)).unwrap();
    w.cancel(4).unwrap();
    assert!(drain(&mut w, 20_000 * MS).is_empty());
    w.arm(5, MonoTime(20_001 * MS)).unwrap();
    assert_eq!(drain(&mut w, 20_001 * MS), [5]);
}
