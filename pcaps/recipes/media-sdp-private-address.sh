#!/bin/bash
# media-sdp-private-address: a phone behind NAT without media traversal.
# Three namespaces joined by veth pairs:
#   phone  192.168.1.20/24 (ph0), default route via the router
#   router 192.168.1.1/24 (rt-lan) and the "public" 203.0.113.7/24 (rt-pub);
#          forwards, masquerades what leaves on rt-pub (source 203.0.113.7,
#          ports kept) and, like a home router, drops what arrives on rt-pub
#          unless conntrack knows it as a reply
#   server 198.51.100.10/24 (srv0), default route via 203.0.113.7
# alice (baresip, phone) calls bob (baresip, server, auto-answer) directly:
# INVITE -> 180, 200, ACK; alice hangs up after about 12 s: BYE -> 200.
# No SIP ALG, no STUN/ICE: alice's SDP announces c=192.168.1.20 while her
# packets arrive from 203.0.113.7.  bob answers to the Via rport (so the SIP
# dialog works) but sends his RTP/RTCP to 192.168.1.20, which the capture
# shows leaving toward the router and which the router drops (it never
# reaches alice).  alice's RTP reaches bob from 203.0.113.7.
# The capture is taken on the server's interface (srv0), as a sniffer on a
# public SIP server would see it.
# Expected verdict: sdp-private-address, and one-way-audio (alice hears
# nothing: bob's media goes to an address that cannot be reached from here).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-sdp-private-address
sw_setup media-sdp-private-address
sw_media_trap
SRV="$SW_NS"
PHONE="$(sw_media_ns phone)"
ROUTER="$(sw_media_ns router)"
sw_media_veth "$PHONE" ph0 192.168.1.20/24 "$ROUTER" rt-lan 192.168.1.1/24
sw_media_veth "$ROUTER" rt-pub 203.0.113.7/24 "$SRV" srv0 198.51.100.10/24
ip -n "$PHONE" route add default via 192.168.1.1
ip -n "$ROUTER" route add 198.51.100.10/32 dev rt-pub
ip -n "$SRV" route add 203.0.113.7/32 dev srv0
ip -n "$SRV" route add default via 203.0.113.7 dev srv0
ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1
SW_NS="$ROUTER" sw_nft "table ip nat {" \
	"  chain post { type nat hook postrouting priority 100; policy accept;" \
	"    oifname \"rt-pub\" masquerade" \
	"  }" "}" \
	"table inet fw {" \
	"  chain from_wan { type filter hook forward priority 0; policy accept;" \
	"    iifname \"rt-pub\" ct state established,related accept" \
	"    iifname \"rt-pub\" drop" \
	"  }" "}"
sw_media_capture_start srv0 "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_media_baresip bob "198.51.100.10:5073" 5583 10020-10039 \
	"<sip:bob@198.51.100.10:5073;transport=udp>;regint=0;answermode=auto"
SW_NS="$PHONE" sw_media_baresip alice "192.168.1.20:5071" 5581 10000-10019 \
	"<sip:alice@192.168.1.20:5071;transport=udp>;regint=0"
SW_NS="$PHONE" sw_cmd 5581 "/dial sip:bob@198.51.100.10:5073"
sleep 12
SW_NS="$PHONE" sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
SW_NS="$PHONE" sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "sdp-private-address warning" "one-way-audio warning"
sw_rtp_streams "$NAME"
