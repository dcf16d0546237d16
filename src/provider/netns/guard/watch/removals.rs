//! The removals a node's watch decided, sent; and the entries whose
//! removal the kernel refused, not asked again. The sweep's dump of the
//! forwarding table (see `reads`) shows every entry past the bound again,
//! so a removal dropped or refused is tried again at the next sweep; one
//! the kernel refuses (a device's own multicast address that no
//! `SIOCDELMULTI` made, say) would be tried, and logged, at every sweep:
//! it is kept out of the removals instead, at most the bound of them.

use super::super::entry::RTM_DELNEIGH;
use super::super::sockets;
use super::{SEND_BYTES, Watch};
use std::io;

impl Watch {
    /// Remove the multicast addresses decided so far, inside the node: one
    /// `ip maddr add` made is removed only this way; one that is not (a
    /// `bridge fdb add … self`) goes with the netlink removals.
    fn drop_multicast(&mut self) {
        for (index, mac, m) in std::mem::take(&mut self.multicast_out) {
            let removed = self
                .multicast
                .name_of(index)
                .is_some_and(|dev| self.multicast.remove(&dev, mac));
            if !removed {
                self.out.extend_from_slice(&m);
            }
        }
    }

    /// Send the removals decided so far.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        if self.dump_holds_removals() {
            return Ok(());
        }
        self.drop_multicast();
        let out = std::mem::take(&mut self.out);
        for batch in sockets::batches(&out, SEND_BYTES) {
            self.send(batch)?;
        }
        Ok(())
    }

    /// A removal the kernel refused (an `NLMSG_ERROR` body: the error, then
    /// the request as sent): its entry is not asked to go again until the
    /// kernel tells it is gone (or its device is). One refused as not
    /// there (gone meanwhile) is no entry kept.
    pub(super) fn removal_refused(&mut self, body: &[u8]) {
        self.refused += 1;
        if let Some(key) = refused_removal(body)
            && self.unremovable.len() < self.table.bound()
        {
            self.unremovable.insert(key.to_vec());
        }
    }
}

/// The body of the `RTM_DELNEIGH` an `NLMSG_ERROR` body refuses (none for
/// an acknowledgement, a removal of what was not there, or another
/// request): what identifies its entry.
fn refused_removal(body: &[u8]) -> Option<&[u8]> {
    let error = i32::from_ne_bytes(body.get(..4)?.try_into().ok()?);
    let head = body.get(4..20)?;
    let len = u32::from_ne_bytes(head[..4].try_into().ok()?) as usize;
    let ty = u16::from_ne_bytes([head[4], head[5]]);
    if error == 0 || error == -libc::ENOENT || ty != RTM_DELNEIGH || len < 16 {
        return None;
    }
    body.get(20..4 + len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::netlink::msg::{NLM_F_REQUEST, message};

    /// The kernel's refusal names the removal it refuses; an
    /// acknowledgement or a refusal of another request names none.
    #[test]
    fn a_refusal_names_the_entry_whose_removal_it_refuses() {
        let delete = [7u8, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2, 0];
        let refusal = |error: i32, ty: u16| {
            let mut b = error.to_ne_bytes().to_vec();
            b.extend_from_slice(&message(ty, NLM_F_REQUEST, 0, &delete));
            b
        };
        assert_eq!(
            refused_removal(&refusal(-22, RTM_DELNEIGH)),
            Some(&delete[..])
        );
        assert_eq!(refused_removal(&refusal(0, RTM_DELNEIGH)), None);
        // Gone meanwhile: nothing there to keep.
        assert_eq!(refused_removal(&refusal(-libc::ENOENT, RTM_DELNEIGH)), None);
        assert_eq!(refused_removal(&refusal(-22, 16)), None);
        assert_eq!(refused_removal(&refusal(-22, RTM_DELNEIGH)[..10]), None);
    }
}
