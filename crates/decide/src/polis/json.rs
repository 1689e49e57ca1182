//! The opinion map as one JSON object (`polis-opinion-map/1`), written by hand so that keys keep
//! a fixed order and numbers a fixed form: the same map gives the same bytes.

use super::{OpinionMap, SCHEMA};
use std::fmt::Write;

impl OpinionMap {
    /// The map as JSON: `schema`, `participants`, `statements`, `moderated_out`, `in_conv`
    /// (ascending), `group_count`, `groups` (`members`, `repness` as `tid` and `repful_for`),
    /// `consensus` (`agree`, `disagree`: tids, strongest first), `group_aware_consensus` (by tid),
    /// `pca` (`tids`, `center` with +1 = agree, `comps`) and `projection` (by pid, in-conversation
    /// participants only). Numbers are the shortest that read back the same.
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        o.push('{');
        let _ = write!(o, "\"schema\":\"{SCHEMA}\"");
        let _ = write!(o, ",\"participants\":{}", self.participants);
        let _ = write!(o, ",\"statements\":{}", self.statements);
        o.push_str(",\"moderated_out\":");
        list(&mut o, &self.moderated_out, |o, t| int(o, *t));
        let mut in_conv = self.in_conv.clone();
        in_conv.sort_unstable();
        o.push_str(",\"in_conv\":");
        list(&mut o, &in_conv, |o, p| int(o, *p));
        let _ = write!(o, ",\"group_count\":{}", self.groups.len());
        o.push_str(",\"groups\":");
        list(&mut o, &self.groups, |o, g| {
            o.push_str("{\"members\":");
            list(o, &g.members, |o, p| int(o, *p));
            o.push_str(",\"repness\":");
            list(o, &g.repness, |o, r| {
                let _ = write!(
                    o,
                    "{{\"tid\":{},\"repful_for\":\"{}\"}}",
                    r.tid,
                    r.repful_for.as_str()
                );
            });
            o.push('}');
        });
        o.push_str(",\"consensus\":{\"agree\":");
        list(&mut o, &self.consensus.agree, |o, s| int(o, s.tid));
        o.push_str(",\"disagree\":");
        list(&mut o, &self.consensus.disagree, |o, s| int(o, s.tid));
        o.push('}');
        o.push_str(",\"group_aware_consensus\":{");
        for (i, (tid, v)) in self.group_aware_consensus.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(o, "\"{tid}\":");
            num(&mut o, *v);
        }
        o.push('}');
        o.push_str(",\"pca\":{\"tids\":");
        list(&mut o, &self.tids, |o, t| int(o, *t));
        o.push_str(",\"center\":");
        list(&mut o, &self.pca.center, |o, x| num(o, *x));
        o.push_str(",\"comps\":");
        list(&mut o, &self.pca.comps, |o, c| {
            list(o, c, |o, x| num(o, *x))
        });
        o.push('}');
        o.push_str(",\"projection\":{");
        for (i, pid) in in_conv.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let [x, y] = self.positions[pid];
            let _ = write!(o, "\"{pid}\":[");
            num(&mut o, x);
            o.push(',');
            num(&mut o, y);
            o.push(']');
        }
        o.push_str("}}");
        o
    }
}

fn list<T>(o: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    o.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        each(o, item);
    }
    o.push(']');
}

fn int(o: &mut String, x: u32) {
    let _ = write!(o, "{x}");
}

/// A finite number in its shortest round-trip form (never `-0`); `null` otherwise, which the
/// computation does not produce.
fn num(o: &mut String, x: f64) {
    if x.is_finite() {
        let _ = write!(o, "{}", x + 0.0);
    } else {
        o.push_str("null");
    }
}
