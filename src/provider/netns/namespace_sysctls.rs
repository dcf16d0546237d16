//! The sysctls the lab sets in the network namespaces it makes: every
//! namespace's before any interface is made in it, and a node's connection
//! tracking timeouts once its rules track connections. Each is there for a
//! bound on what a node's processes keep of the host's (see each entry);
//! a node cannot write them back (`enter::WRITABLE_NET_SYSCTLS`).

/// Set in a node once its rules track connections, so that a flow no
/// socket holds is tracked at most 120 s: a protocol conntrack has no
/// tracker for (a pod's root sends any) is tracked 600 s by default; a TCP
/// flow picked up mid-stream (a lone ACK, no handshake) 300 s as
/// "unacknowledged" (probe21d: 8077 such flows in 20 s). The lab's
/// connections all begin with a handshake.
pub const TRACKING_SYSCTLS: &[(&str, &str)] = &[
    ("net/netfilter/nf_conntrack_generic_timeout", "120"),
    ("net/netfilter/nf_conntrack_tcp_loose", "0"),
    (
        "net/netfilter/nf_conntrack_tcp_timeout_unacknowledged",
        "120",
    ),
    ("net/netfilter/nf_conntrack_tcp_timeout_max_retrans", "120"),
];

/// Set in every namespace of a lab before any interface is made in it.
pub const NAMESPACE_SYSCTLS: &[(&str, &str)] = &[
    // No IPv6: the chapter's network is IPv4, and every new interface's
    // IPv6 start-up (DAD, router and multicast listener messages) is flooded
    // by the lab's bridges to every port, which kept a fresh 100-node lab
    // busy for seconds.
    ("net/ipv6/conf/all/disable_ipv6", "1"),
    ("net/ipv6/conf/default/disable_ipv6", "1"),
    // Answer no ARP request (8: "not for any local address"): the kernel
    // learns a request's sender only when it answers, and a pod's root can
    // forge senders. Every neighbour the lab needs is permanent, so nothing
    // of the lab asks.
    ("net/ipv4/conf/all/arp_ignore", "8"),
    // Learn no neighbour from unsolicited (gratuitous) ARP.
    ("net/ipv4/conf/all/arp_accept", "0"),
    ("net/ipv4/conf/default/arp_accept", "0"),
    // Take no ICMP redirect: each names a new gateway, a new neighbour.
    ("net/ipv4/conf/all/accept_redirects", "0"),
    ("net/ipv4/conf/default/accept_redirects", "0"),
    // Frames a bridge forwards (`cni0` between pods) skip iptables and
    // connection tracking (the kernel's default, where `br_netfilter` is
    // loaded, is to track them): nothing of the lab filters or NATs them,
    // and tracked, a pod's root that forges both directions of made-up
    // flows between addresses of its subnet makes entries that live the
    // five days of an established connection, with no socket behind them.
    ("net/bridge/bridge-nf-call-iptables", "0"),
    ("net/bridge/bridge-nf-call-ip6tables", "0"),
    ("net/bridge/bridge-nf-call-arptables", "0"),
    // Answer every SYN with a cookie and keep nothing for it (2: always,
    // not only when a listener's queue is full): a half-open connection is
    // 320 bytes of the host's memory made in softirq and charged to no one,
    // and a node held 81,920 of them on 20 listeners with SYNs from made-up
    // sources (probe21s). With cookies the handshake's state rides in the
    // SYN-ACK, and the connection is made when its ACK comes: the lab's curl
    // and a reader's see no difference.
    ("net/ipv4/tcp_syncookies", "2"),
    // Keep at most 4096 connections in TIME_WAIT (256 bytes each, charged
    // to no one; past it the kernel closes a connection at once, as on a
    // host under load): the kernel's default in a namespace is half its
    // table of connections, 131,072 here, 33 MB a namespace.
    ("net/ipv4/tcp_max_tw_buckets", "4096"),
    // Let a socket hold at most 20 KiB of option memory (`sock_kmalloc`:
    // TCP MD5 keys, multicast source lists, socket filters, large control
    // messages), the kernel's default for years; since Linux 6.9 it is per
    // namespace, 128 KiB by default, and none of it is charged to the node:
    // any process may add TCP MD5 keys (no capability), 963 a socket at
    // 128 KiB, and probe21v's 1500 sockets held 281 MB of the host's. A
    // kernel where it is not per namespace has no such entry in a
    // namespace's /proc/sys (the write is skipped, the host's stays).
    ("net/core/optmem_max", OPTMEM_MAX),
    // Take a "fragmentation needed" only where the protocol can tell it is
    // genuine (3: TCP's sequence numbers; UDP's and raw ones are dropped).
    // Each one makes a route exception (96 bytes, charged to no one, up to
    // about 15,000 a route, kept ten minutes), and a node's own ICMP to
    // itself made them: probe21x's 40 routes held 58 MB of the host's. The
    // lab's MTUs are fixed; a reader's TCP still learns its path's.
    ("net/ipv4/ip_no_pmtu_disc", "3"),
    // No MPTCP: a connection a node accepts over MPTCP keeps its send
    // queue charged to no cgroup (probe21bb: 60 connections held 480 MB of
    // the host's TCP memory, the node charged 0.7 MB of it, past both its
    // limits), and its closed connections are no orphans to the guard or
    // the kernel. `socket(…, IPPROTO_MPTCP)` then fails with ENOPROTOOPT
    // and MPTCP-aware programs use TCP; the lab's own use TCP. The entry is
    // read-only in a node (see `enter::WRITABLE_NET_SYSCTLS`); a kernel
    // without MPTCP has no such entry (the write is skipped).
    ("net/mptcp/enabled", "0"),
    // Send an ICMP error (`Time to live exceeded`, `Destination … Unreachable`)
    // to a peer at most once a millisecond, not once a second after a burst
    // of six (the kernel's 1000 ms): the lab's ping sends its echoes 10 ms
    // apart where the reader's sends one a second, and with the kernel's
    // limit the lab's ping got 6 errors for 10 echoes, then 1 (probe21ca,
    // W1: a book showing one error a echo, as the reader's ping prints,
    // drifted at random). Still a limit: one error per triggering packet,
    // at most one a millisecond to each peer.
    ("net/ipv4/icmp_ratelimit", "1"),
];

/// A socket's option memory in every lab namespace (see
/// [`NAMESPACE_SYSCTLS`]): ping's filter, tcpdump's, an `SCM_RIGHTS`
/// message of 253 descriptors fit many times over.
pub const OPTMEM_MAX: &str = "20480";
