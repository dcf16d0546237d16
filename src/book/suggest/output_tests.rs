//! Unit tests of [`super`]: each kind of output rewritten for the lab.
use super::*;

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

/// A time no test reaches.
fn far() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(3600)
}

/// probe21cc finding 1: the likeness of a line the chapter chose (300,000
/// characters) cost 83 s of CPU, outside every budget. Now no pair is
/// diffed past the suggestion's time, nor a pair whose lengths alone keep
/// it under one half; a line of a near length still finds its lab line.
#[test]
fn likeness_is_not_asked_past_its_time_or_of_lines_too_unlike_in_length() {
    let lab = v("FLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450");
    let book = v("FLANNEL_SUBNET=10.244.9.1/24\nFLANNEL_MTU=1450");
    let now = std::time::Instant::now();
    assert_eq!(in_order(&book, &lab, &[], far())[0], lab[0]);
    // Past its time: the line the lab lacks is dropped, none put for it.
    assert_eq!(in_order(&book, &lab, &[], now), v("FLANNEL_MTU=1450"));
    let long = format!("FLANNEL_SUBNET={}", "x".repeat(200));
    assert_eq!(similarity(&long, &lab[0], far()), 0.0);
    assert!(similarity("FLANNEL_SUBNET=10.244.9.1/24", &lab[0], far()) > 0.9);
}

#[test]
fn volatile_values_stay_the_books() {
    assert_eq!(
        keep_volatile(
            "64 bytes from 10.244.3.4: icmp_seq=1 ttl=61 time=0.117 ms",
            "64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms"
        ),
        "64 bytes from 10.244.3.4: icmp_seq=1 ttl=61 time=0.403 ms"
    );
    assert_eq!(
        keep_volatile(
            "21:00:00.1 IP 10.0.2.15 > 10.244.3.3: ICMP echo request, id 9, seq 1, length 64",
            "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64"
        ),
        "20:55:02.971181 IP 10.0.2.15 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64"
    );
}

#[test]
fn ping_replies_and_errors_are_replaced_the_header_kept() {
    let book = v(
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes\n60 bytes from 10.244.1.1: Destination Net Unreachable",
    );
    let lab = v(
        "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\n\n--- 10.244.3.3 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms",
    );
    assert_eq!(
        ping(&book, &lab),
        v(
            "PING 10.244.3.3 (10.244.3.3): 48 data bytes\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded"
        )
    );
    let silent = v("PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.");
    let got = ping(
        &silent,
        &v("64 bytes from 10.244.3.3: icmp_seq=1 ttl=62 time=1.00 ms"),
    );
    assert_eq!(got.len(), 2);
    assert!(
        compare::ping_replies(
            &got,
            &v("64 bytes from 10.244.3.3: icmp_seq=1 ttl=62 time=9.00 ms")
        )
        .is_empty()
    );
}

#[test]
fn route_rows_follow_the_lab_the_books_kept() {
    let book = v(
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 docker0",
    );
    let lab = v(
        "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n10.244.3.0      10.244.3.0      255.255.255.0   UG    0      0        0 flannel.1",
    );
    let got = routes(&book, &lab, &[]);
    assert_eq!(got[1], book[1]);
    assert!(got[2].contains("flannel.1"));
    assert_eq!(got.len(), 3);
    assert!(compare::routes(&got, &lab).is_empty());
    // A row under known drift stays the book's.
    let got = routes(&book, &lab, &["172.17.0.0 0.0.0.0 255.255.0.0 U docker0"]);
    assert_eq!(got.len(), 4);
    assert_eq!(got[3], book[2]);
}

/// `ip route` ends its lines with a blank; the patch writes none.
#[test]
fn no_trailing_blanks_are_written() {
    let book = v(
        "10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink\n192.168.56.0/24 dev eth1 scope link src 192.168.56.21",
    );
    let lab = v(
        "10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink \n192.168.56.0/24 dev eth1 scope link src 192.168.56.11 ",
    );
    let got = in_order(&book, &lab, &[], far());
    assert_eq!(
        got[1],
        "192.168.56.0/24 dev eth1 scope link src 192.168.56.11"
    );
}

/// A book table with a row too many, the lab's pods under their own
/// names (no binding wrote them back): only the extra row goes; the
/// book's pod names stay (they were `web-w1-0`, breaking every later
/// line that names the book's pods).
#[test]
fn a_row_too_many_goes_and_the_books_pod_names_stay() {
    let book = v(
        "NAME                   READY   STATUS    RESTARTS   AGE   IP          NODE\nweb-5d8f7c9b6d-x2x7q   1/1     Running   0          40s   10.42.1.4   w1\nweb-5d8f7c9b6d-k8p2m   1/1     Running   0          40s   10.42.2.4   w2\nweb-5d8f7c9b6d-zz9q1   1/1     Running   0          40s   10.42.0.4   cp",
    );
    let lab = v(
        "NAME       READY   STATUS    IP          NODE\nweb-w1-0   1/1     Running   10.42.1.4   w1\nweb-w2-0   1/1     Running   10.42.2.4   w2",
    );
    let got = table(&book, &lab);
    assert_eq!(got, book[..3], "{got:#?}");
    let (b, l) = (Table::parse(&got).unwrap(), Table::parse(&lab).unwrap());
    assert!(compare::tables_named(&b, &l, &|n| format!("{}-*", &n[..3]), false).is_empty());
}

#[test]
fn a_table_keeps_the_books_columns_names_and_ages() {
    let book = v(
        "NAME      STATUS    ROLES     AGE       VERSION\nmaster    Ready     master    8m        v1.10.0\nnode1     Ready     <none>    3m        v1.10.0",
    );
    let lab = v(
        "NAME     STATUS   ROLES           VERSION\nmaster   Ready    control-plane   v1.32\nnode1    Ready    <none>          v1.32",
    );
    let got = table(&book, &lab);
    assert_eq!(got[0], book[0]);
    assert!(
        got[1].starts_with("master    Ready     control-plane   8m"),
        "{got:?}"
    );
    let (b, l) = (Table::parse(&got).unwrap(), Table::parse(&lab).unwrap());
    assert!(compare::tables(&b, &l, false).is_empty(), "{got:?}");
}

#[test]
fn missing_lines_take_the_nearest_lab_line_errors_are_added() {
    let book = v(
        "Determining IP address of default interface\nUsing interface with name enp0s3 and address 10.0.2.15\nDefaulting external address to interface address (10.0.2.15)",
    );
    let lab = v(
        "I1127 11:58:30.985486 1 main.go:1] Determining IP address of default interface\nI1127 11:58:30.985486 1 main.go:2] Using interface with name eth9 and address 10.0.2.15\nI1127 11:58:30.985486 1 main.go:3] Defaulting external address to interface address (10.0.2.15)",
    );
    let got = in_order(&book, &lab, &[], far());
    assert_eq!(got[0], book[0]);
    assert_eq!(
        got[1],
        "Using interface with name eth9 and address 10.0.2.15"
    );
    assert!(compare::missing_in_order(&got, &lab).is_empty());
    let got = in_order(
        &v("FLANNEL_SUBNET=10.244.1.1/24"),
        &v("cat: /run/x: No such file or directory"),
        &[],
        far(),
    );
    assert_eq!(got, v("cat: /run/x: No such file or directory"));
}
