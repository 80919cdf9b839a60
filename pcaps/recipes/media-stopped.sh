#!/bin/bash
# media-stopped: alice (baresip) calls bob (baresip, auto-answer) directly:
# INVITE -> 180, 200, ACK, PCMU both ways.  RTP and RTCP flow both ways for
# about 8 s; then an nftables rule added to the namespace's output hook
# drops every UDP packet sent from the media ports of both phones
# (10000-10039), as a NAT binding or firewall state that expires mid-call
# would.  The dialog stays up (no re-INVITE, no BYE) for 12 s more with no
# media at all; then alice hangs up: BYE -> 200.
# Expected verdict: media-stopped (both directions, about 8 s into the call).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-stopped
sw_setup media-stopped
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.11:5071;transport=udp>;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.12:5073"
sleep 8
sw_nft "table inet media {" \
	"  chain out { type filter hook output priority 0; policy accept;" \
	"    udp sport 10000-10039 drop" \
	"  }" "}"
sleep 12
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "media-stopped warning"
sw_rtp_streams "$NAME"
