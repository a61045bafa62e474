//! Presence at scale: which members a room shows, and the changes between two showings.
//! Pure, so the rules are unit-tested; the room decides when to show (coalescing).

use super::actor::Present;
use dailies_protocol::{Member, MemberChange};
use std::collections::BTreeMap;

/// How a member is shown.
pub(super) fn member(sid: u64, p: &Present, leader: Option<u64>) -> Member {
    Member {
        session_id: sid,
        user_id: p.user.id.clone(),
        user_name: p.user.name.clone(),
        in_session: p.in_session,
        leader: leader == Some(sid),
    }
}

/// The members shown: all of them up to `max`; in a larger room the leader, then those in
/// the live session, then the earliest joined (session ids grow with time), `max` in all.
pub(super) fn shown(members: &BTreeMap<u64, Present>, leader: Option<u64>, max: usize) -> BTreeMap<u64, Member> {
    if members.len() <= max {
        return members.iter().map(|(s, p)| (*s, member(*s, p, leader))).collect();
    }
    let mut out = BTreeMap::new();
    if let Some((s, p)) = leader.and_then(|l| members.get_key_value(&l)) {
        out.insert(*s, member(*s, p, leader));
    }
    let mut take = |want_session: bool| {
        for (s, p) in members {
            if out.len() >= max {
                return;
            }
            if p.in_session == want_session && !out.contains_key(s) {
                out.insert(*s, member(*s, p, leader));
            }
        }
    };
    take(true);
    take(false);
    out
}

/// What turns the showing `before` into `after`: who left, who joined, whose flags changed.
pub(super) fn diff(before: &BTreeMap<u64, Member>, after: &BTreeMap<u64, Member>) -> Vec<MemberChange> {
    let mut changes: Vec<MemberChange> = before
        .keys()
        .filter(|s| !after.contains_key(s))
        .map(|s| MemberChange::MemberLeft { session_id: *s })
        .collect();
    for (s, m) in after {
        match before.get(s) {
            None => changes.push(MemberChange::MemberJoined { member: m.clone() }),
            Some(old) if old != m => changes.push(MemberChange::MemberChanged { member: m.clone() }),
            Some(_) => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix::prelude::*;
    use dailies_protocol::{AccessLevel, UserId, UserInfo};

    struct Sink;
    impl Actor for Sink {
        type Context = Context<Self>;
    }
    impl Handler<crate::room::hub::Push> for Sink {
        type Result = ();
        fn handle(&mut self, _: crate::room::hub::Push, _: &mut Context<Self>) {}
    }

    fn room(n: u64, in_session: &[u64]) -> BTreeMap<u64, Present> {
        let r = Sink.start().recipient();
        (1..=n)
            .map(|s| {
                (
                    s,
                    Present {
                        user: UserInfo {
                            id: UserId(format!("u{s}")),
                            name: format!("User {s}"),
                            is_admin: false,
                        },
                        recipient: r.clone(),
                        in_session: in_session.contains(&s),
                        access: AccessLevel::Comment,
                        catching_up: None,
                        told: (false, false),
                    },
                )
            })
            .collect()
    }

    #[actix_rt::test]
    async fn a_small_room_shows_everyone() {
        let m = room(5, &[]);
        let s = shown(&m, None, 5);
        assert_eq!(s.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    }

    #[actix_rt::test]
    async fn a_large_room_shows_the_leader_the_session_then_the_earliest() {
        let m = room(10, &[7, 9, 4]);
        let s = shown(&m, Some(9), 4);
        assert_eq!(s.keys().copied().collect::<Vec<_>>(), vec![1, 4, 7, 9]);
        assert!(s[&9].leader && s[&9].in_session);
        assert!(!s[&1].in_session);
        let s = shown(&m, Some(9), 2);
        assert_eq!(
            s.keys().copied().collect::<Vec<_>>(),
            vec![4, 9],
            "leader first, then the session"
        );
    }

    #[actix_rt::test]
    async fn diff_names_who_left_joined_and_changed() {
        let a = shown(&room(3, &[]), None, 10);
        let mut m = room(4, &[2]);
        m.remove(&1);
        let b = shown(&m, Some(2), 10);
        let changes = diff(&a, &b);
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert_eq!(changes[0], MemberChange::MemberLeft { session_id: 1 });
        assert!(
            matches!(&changes[1], MemberChange::MemberChanged { member } if member.session_id == 2 && member.leader)
        );
        assert!(matches!(&changes[2], MemberChange::MemberJoined { member } if member.session_id == 4));
        assert!(diff(&b, &b).is_empty());
    }
}
