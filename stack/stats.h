/*
 * stats.h - counters per layer, like netstat -s.
 *
 * The list below is the single source of truth: it declares the fields of
 * struct glass_stats, and the same list gives each one its printed name
 * ("ipv4.drop_bad_checksum") for glass_stat() and glass_stats_print().
 * Add a counter by adding one line to its layer's block.
 */
#ifndef GLASS_STATS_H
#define GLASS_STATS_H

#include <stdint.h>

#define GLASS_STATS_LIST(X)                                                                        \
    X(eth, rx)                 /* frames accepted */                                               \
    X(eth, tx)                                                                                     \
    X(eth, drop_short)         /* shorter than an Ethernet header */                               \
    X(eth, drop_not_for_us)    /* destination MAC neither ours nor broadcast */                    \
    X(eth, drop_bad_source)    /* source MAC multicast/broadcast */                                \
    X(eth, drop_unknown_type)  /* ethertype we do not speak */                                     \
    X(eth, drop_iface_down)                                                                        \
    X(eth, tx_error)           /* driver refused the frame */                                      \
    X(arp, rx)                                                                                     \
    X(arp, tx_request)                                                                             \
    X(arp, tx_reply)                                                                               \
    X(arp, rx_request)                                                                             \
    X(arp, rx_reply)                                                                               \
    X(arp, drop_short)                                                                             \
    X(arp, drop_bad_hardware)  /* hardware type/length not Ethernet */                             \
    X(arp, drop_bad_protocol)  /* protocol type/length not IPv4 */                                 \
    X(arp, drop_bad_opcode)                                                                        \
    X(arp, drop_bad_sender)    /* sender MAC/IP unusable (multicast, ours...) */                   \
    X(arp, drop_not_for_us)    /* target IP not ours: not answered, sender not added */            \
    X(arp, conflict)           /* someone else claims our address */                               \
    X(arp, queued)             /* packets queued waiting for resolution */                         \
    X(arp, queue_overflow)     /* dropped: per-entry queue full */                                 \
    X(arp, resolve_failed)     /* packets dropped: no reply after retries */                       \
    X(arp, cache_full)         /* no entry made: cache full of static/incomplete */                \
    X(arp, evicted)            /* entries dropped to make room (cache full) */                     \
    X(arp, gratuitous)         /* announcements sent (not in tx_request) */                        \
    X(arp, drop_no_memory)     /* no entry made: out of memory (entry or its timer) */             \
    X(ipv4, rx)                                                                                    \
    X(ipv4, tx)                                                                                    \
    X(ipv4, delivered)                                                                             \
    X(ipv4, drop_short)        /* shorter than a minimal header */                                 \
    X(ipv4, drop_bad_version)                                                                      \
    X(ipv4, drop_bad_ihl)      /* header length < 20 or past the data */                          \
    X(ipv4, drop_bad_length)   /* total length disagrees with the frame */                         \
    X(ipv4, drop_bad_checksum)                                                                     \
    X(ipv4, drop_bad_source)   /* martian source, RFC 1122 3.2.1.3 */                              \
    X(ipv4, drop_not_for_us)   /* not ours and we do not forward */                                \
    X(ipv4, drop_link_broadcast) /* unicast IP in a link-layer broadcast, RFC 1122 3.3.6 */        \
    X(ipv4, frag_rx)           /* fragments received for us (RFC 791 3.2) */                       \
    X(ipv4, reass_ok)          /* datagrams reassembled */                                         \
    X(ipv4, reass_duplicate)   /* fragment dropped: exact repeat of one held */                    \
    X(ipv4, reass_drop_bad)    /* fragment without data, or not a multiple of 8 but MF */          \
    X(ipv4, reass_drop_tiny)   /* RFC 1858 tiny fragment (TCP offset 8, short first) */            \
    X(ipv4, reass_drop_overlap) /* overlap/contradiction: whole datagram discarded */              \
    X(ipv4, reass_drop_too_long) /* offset + length past 65535 */                                  \
    X(ipv4, reass_drop_no_memory) /* memory bound or allocation failure */                         \
    X(ipv4, reass_evicted)     /* datagrams given up to keep the memory bound */                   \
    X(ipv4, reass_timeout)     /* datagrams given up after IPV4_REASS_TIMEOUT */                   \
    X(ipv4, frag_ok)           /* datagrams sent as fragments */                                   \
    X(ipv4, frag_created)      /* fragments sent */                                                \
    X(ipv4, drop_source_route) /* LSRR/SSRR option: not supported (RFC 7126 4.3/4.4) */            \
    X(ipv4, drop_unknown_proto)                                                                    \
    X(ipv4, drop_no_route)                                                                         \
    X(ipv4, drop_too_big)      /* over 65535, or over the (path) MTU with DF */                    \
    X(ipv4, pmtu_lowered)      /* path MTU estimate lowered: fragmentation needed (RFC 1191) */    \
    X(ipv4, drop_no_memory)                                                                        \
    X(ipv4, local_loop)        /* datagrams sent to ourselves */                                   \
    /* forwarding (ipv4_forward.c, RFC 1812) */                                                    \
    X(ipv4, forwarded)         /* datagrams sent on towards their destination */                   \
    X(ipv4, fwd_ttl_exceeded)  /* TTL 0/1: time exceeded sent (RFC 1812 5.3.1) */                  \
    X(ipv4, fwd_no_route)      /* net unreachable sent (RFC 1812 5.2.7.1) */                       \
    X(ipv4, fwd_frag_needed)   /* over the next-hop MTU with DF: RFC 1191 ICMP sent */             \
    X(ipv4, fwd_fragmented)    /* forwarded as fragments (RFC 791 3.2) */                          \
    X(ipv4, fwd_drop_too_big)  /* over the next-hop MTU and fragmenting failed */                  \
    X(ipv4, fwd_drop_martian_dst) /* 0/8, 127/8, class E destination (RFC 1812 5.3.7) */           \
    X(ipv4, fwd_drop_broadcast) /* directed broadcast, not forwarded (RFC 2644) */                 \
    X(icmp, rx)                                                                                    \
    X(icmp, tx)                                                                                    \
    X(icmp, drop_short)                                                                            \
    X(icmp, drop_bad_checksum)                                                                     \
    X(icmp, drop_broadcast_echo) /* RFC 1122 3.2.2.6 lets us ignore these */                       \
    X(icmp, rx_echo_request)                                                                       \
    X(icmp, rx_echo_reply)                                                                         \
    X(icmp, rx_dest_unreach)                                                                       \
    X(icmp, rx_time_exceeded)                                                                      \
    X(icmp, rx_other)                                                                              \
    X(icmp, tx_echo_request)                                                                       \
    X(icmp, tx_echo_reply)                                                                         \
    X(icmp, tx_dest_unreach)                                                                       \
    X(icmp, error_suppressed)  /* an error RFC 1122 3.2.2 forbids us to send */                    \
    X(icmp, rate_limited)                                                                          \
    X(udp, rx)                 /* datagrams that reached udp_input */                              \
    X(udp, tx)                                                                                     \
    X(udp, delivered)          /* queued to a socket (a broadcast may count several) */            \
    X(udp, drop_short)         /* shorter than the 8-byte header */                                \
    X(udp, drop_bad_length)    /* length field disagrees with the IP payload */                    \
    X(udp, drop_bad_checksum)                                                                      \
    X(udp, no_port)            /* no socket for the port (port unreachable sent) */                \
    X(udp, rcvbuf_errors)      /* dropped: socket receive queue full (SO_RCVBUF) */                \
    X(udp, drop_no_memory)                                                                         \
    X(udp, icmp_errors)        /* ICMP errors reported to a socket (so_error) */                   \
    /* dhcp (RFC 2131 client, dhcp.c) */                                                          \
    X(dhcp, rx)                /* DHCP messages that reached the client */                         \
    X(dhcp, tx)                /* DISCOVER/REQUEST/RELEASE sent (retransmissions included) */      \
    X(dhcp, retransmits)       /* RFC 2131 4.1 backoff retransmissions */                          \
    X(dhcp, drop_short)        /* shorter than the fixed header + magic cookie */                  \
    X(dhcp, drop_bad_header)   /* not a BOOTREPLY for Ethernet, or no magic cookie */              \
    X(dhcp, drop_not_ours)     /* xid or chaddr not ours */                                        \
    X(dhcp, drop_bad_option)   /* an option whose length is malformed */                           \
    X(dhcp, drop_missing_option) /* no message type / server id / lease time */                    \
    X(dhcp, drop_unexpected)   /* a message the current state does not expect */                   \
    X(dhcp, offers)            /* DHCPOFFER accepted */                                            \
    X(dhcp, acks)              /* DHCPACK accepted */                                              \
    X(dhcp, naks)              /* DHCPNAK accepted: back to INIT */                                \
    X(dhcp, renewals)          /* T1 reached: RENEWING */                                          \
    X(dhcp, rebinds)           /* T2 reached: REBINDING */                                         \
    X(dhcp, expiries)          /* lease expired: address removed */                                \
    X(dhcp, releases)          /* DHCPRELEASE sent */                                              \
    X(tcp, rx)                 /* segments that reached tcp_input */                               \
    X(tcp, tx)                 /* segments sent (retransmissions included) */                      \
    X(tcp, drop_short)         /* shorter than a header */                                         \
    X(tcp, drop_bad_offset)    /* data offset < 5 or past the segment */                           \
    X(tcp, drop_bad_checksum)                                                                      \
    X(tcp, drop_bad_options)   /* an option length that overruns or lies */                        \
    X(tcp, drop_not_unicast)   /* to or from a broadcast/multicast address */                      \
    X(tcp, drop_bad_flags)     /* SYN+FIN, no flags, SYN+RST...: RFC 9293 answers none */          \
    X(tcp, drop_no_memory)                                                                         \
    X(tcp, no_port)            /* no connection or listener: RST sent (RFC 9293 3.10.7.1) */       \
    X(tcp, out_of_window)      /* unacceptable segment: ACK sent, dropped (3.10.7.4) */            \
    X(tcp, ack_unsent)         /* ACK for data not yet sent: ACK sent, dropped */                  \
    X(tcp, oow_acks_limited)   /* the ACK for those two not sent: one per 500 ms */                \
    X(tcp, rst_rcvd)           /* RSTs that reset a connection */                                  \
    X(tcp, rst_ignored)        /* out-of-window RSTs, RFC 1337 in TIME-WAIT */                     \
    X(tcp, rst_sent)                                                                               \
    X(tcp, challenge_acks)     /* RFC 5961 challenge ACKs sent */                                  \
    X(tcp, challenge_limited)  /* challenge ACKs not sent: rate limit */                           \
    X(tcp, active_opens)       /* connect(): SYN sent */                                           \
    X(tcp, passive_opens)      /* SYN on a listener: SYN-ACK sent */                               \
    X(tcp, established)        /* connections that reached ESTABLISHED */                          \
    X(tcp, syn_queue_full)     /* SYNs dropped: listener's SYN queue full */                       \
    X(tcp, accept_queue_full)  /* handshakes not completed: accept queue full */                   \
    X(tcp, time_wait_reused)   /* TIME-WAIT pair taken over by a new SYN (RFC 9293 3.6.1) */       \
    X(tcp, time_wait_recycled) /* TIME-WAIT ended early: max_tcbs reached (Linux tw overflow) */  \
    X(tcp, conn_reset)         /* connections ended by a RST we received */                        \
    X(tcp, conn_aborted)       /* connections we ended with a RST (abort, unread data) */          \
    X(tcp, conn_timeout)       /* connections given up: ETIMEDOUT */                               \
    X(tcp, tcb_limit)          /* control block not made: max_tcbs reached */                      \
    X(tcp, ooo_queued)         /* segments held in the out-of-order queue */                       \
    X(tcp, ooo_dropped)        /* out-of-order bytes over the bound */                             \
    X(tcp, rcv_beyond_window)  /* bytes cut because they lay beyond the window */                  \
    X(tcp, dup_acks)           /* duplicate ACKs (RFC 5681 2) */                                   \
    X(tcp, retransmits)        /* segments sent again */                                           \
    X(tcp, rto_expired)        /* retransmission timer expiries */                                 \
    X(tcp, fast_retransmits)   /* RFC 5681 3.2 */                                                  \
    X(tcp, mss_lowered)        /* send MSS lowered to a smaller path MTU (RFC 1191 6.3) */         \
    X(tcp, pmtu_retransmits)   /* resent at once after the MSS went down (RFC 1191 6.3) */         \
    X(tcp, partial_acks)       /* RFC 6582 partial ACKs in recovery */                             \
    X(tcp, limited_transmits)  /* RFC 3042 segments sent on the 1st/2nd duplicate ACK */           \
    X(tcp, delayed_acks)       /* ACKs sent by the delayed-ACK timer */                            \
    X(tcp, persist_probes)     /* zero-window probes */                                            \
    X(tcp, keepalive_probes)                                                                       \
    X(tcp, rtt_samples)                                                                            \
    /* SYN cookies (RFC 4987 3.6, tcp_syncookie.c) */                                             \
    X(tcp, syncookies_sent)    /* SYN-ACKs with a cookie: no state kept */                         \
    X(tcp, syncookies_recv_ok) /* ACKs whose cookie checked out: connection made */                \
    X(tcp, syncookies_recv_failed) /* ACKs to a listener whose cookie did not: RST */              \
    /* SACK (RFC 2018, RFC 2883 D-SACK, RFC 6675 recovery: tcp_sack.c) */                          \
    X(tcp, sack_negotiated)    /* connections with SACK on (both SYNs carried it) */               \
    X(tcp, sack_blocks_sent)   /* SACK blocks in our ACKs (D-SACK included) */                     \
    X(tcp, dsack_sent)         /* D-SACK blocks sent: a duplicate arrived (RFC 2883) */            \
    X(tcp, sack_blocks_rcvd)   /* SACK blocks in acceptable ACKs */                                \
    X(tcp, sack_bogus)         /* blocks ignored: outside [SND.UNA, SND.MAX] or reversed */        \
    X(tcp, sack_sb_full)       /* blocks not recorded: the scoreboard bound */                     \
    X(tcp, dsack_rcvd)         /* D-SACK blocks: the peer got something twice (RFC 2883 4) */       \
    X(tcp, sack_recoveries)    /* RFC 6675 loss recoveries begun */                                \
    X(tcp, sack_recoveries_islost) /* ...of them begun by IsLost(SND.UNA), before DupThresh */      \
    X(tcp, sack_rexmits)       /* segments resent by NextSeg rules (1), (3), (4) */                \
    X(tcp, sack_reneging)      /* scoreboards cleared by an RTO (RFC 2018 8, RFC 6675 5.1) */      \
    /* rack: RFC 8985 RACK-TLP (tcp_rack.c) */                                                     \
    X(tcp, rack_lost)          /* segments RACK marked lost (sent before a delivered one) */       \
    X(tcp, rack_lost_rexmit)   /* ...of them retransmissions lost again */                         \
    X(tcp, rack_recoveries)    /* RFC 6675 recoveries begun because RACK marked a loss */          \
    X(tcp, rack_reo_timeouts)  /* reordering timer expiries (RFC 8985 6.3) */                      \
    X(tcp, rack_reordering)    /* segments delivered out of order: reordering seen */              \
    X(tcp, rack_rec_full)      /* sends merged into the last record: the record bound */           \
    X(tcp, tlp_probes)         /* tail loss probes sent (RFC 8985 7.3) */                          \
    X(tcp, tlp_probes_new)     /* ...of them new data (the rest resent the last segment) */        \
    X(tcp, tlp_recoveries)     /* probes that repaired a loss: cwnd reduced (RFC 8985 7.4) */      \
    X(tcp, tlp_dsack)          /* probes that were not needed (D-SACK): no reduction */            \
    /* cc: HyStart++ (RFC 9406, tcp_hystart.c) */                                                  \
    X(tcp, hystart_css)        /* slow start left for CSS: the round's min RTT rose */             \
    X(tcp, hystart_css_undo)   /* CSS back to slow start: the RTT fell below the baseline */       \
    X(tcp, hystart_exit)       /* CSS_ROUNDS done: ssthresh = cwnd, congestion avoidance */        \
    /* RFC 7323 (tcp_wscale.c, tcp_ts.c) */                                                        \
    X(tcp, ws_shift_clamped)   /* peer's window scale > 14, used as 14 (RFC 7323 2.3) */           \
    X(tcp, paws_rejected)      /* segments with TSval < TS.Recent: ACK, drop (RFC 7323 5.3) */     \
    X(tcp, ts_rtt_samples)     /* RTT samples taken from TSecr (RFC 7323 4) */                     \
    X(tcp, ts_bad_echo)        /* TSecr in the future or too old: no sample */                     \
    X(link, impair_lost)       /* frames an impaired link dropped (glass_netif_impair) */          \
    X(link, impair_duplicated) /* frames it delivered twice */                                     \
    X(link, impair_reordered)  /* frames it held back so later ones overtook them */               \
    X(link, impair_delayed)    /* frames it queued until their due time */                         \
    /* offloads: the TAP vnet header (drivers/tap_vnet.c, stack/offload.c, tcp_tso.c) */            \
    X(link, gso_rx)            /* GSO super-segments received (larger than the MTU) */             \
    X(link, csum_trusted)      /* transport checksums not verified: the device vouched */          \
    X(link, drop_bad_vnet)     /* frames dropped: malformed or unsupported vnet header */          \
    X(link, tso_tx)            /* TCP super-segments handed to the device to cut */                \
    X(link, csum_partial_tx)   /* frames sent with a partial checksum for the device */            \
    X(link, csum_sw_completed) /* partial checksums completed in software (no offload) */          \
    X(link, gso_sw_segmented)  /* super-segments cut in software (device without TSO) */           \
    /* software GSO (stack/offload_gso.c) */                                                       \
    X(link, gso_sw_segments)   /* wire segments those were cut into */                             \
    X(link, gso_sw_bad)        /* super-segments dropped: malformed, bad checksum, no memory */    \
    X(socket, opened)                                                                              \
    X(socket, closed)          /* by glass_close or at stack teardown */                           \
    X(socket, emfile)          /* refused: descriptor bound of the stack reached */                \
    X(socket, blocked)         /* calls that had to wait */                                        \
    X(socket, timeouts)        /* waits ended by SO_RCVTIMEO/SO_SNDTIMEO */                        \
    /* wt-fast: the packet buffer cache (pkb.c) */                                                 \
    X(mem, pkb_reused)         /* pkb_alloc served from the stack's cache */                       \
    X(mem, pkb_cached)         /* pkb_free kept a buffer for reuse */                              \
    X(mem, alloc_failed)

struct glass_stats {
#define GLASS_STATS_FIELD(layer, name) uint64_t layer##_##name;
    GLASS_STATS_LIST(GLASS_STATS_FIELD)
#undef GLASS_STATS_FIELD
};

#define STAT_INC(stack, layer, name) ((stack)->stats.layer##_##name++)

#endif
