#!/bin/bash
# media-one-way-audio: alice (baresip) calls bob (baresip, auto-answer)
# directly: INVITE -> 180, 200, ACK, with PCMU offered and answered.
# Before the call an nftables rule in the namespace's output hook drops every
# UDP packet that bob sends from his media ports (10020-10039: RTP and
# RTCP), so bob's media never reaches the loopback and is not in the
# capture.  alice's RTP/RTCP reaches bob for about 12 s; alice hears
# nothing.  alice hangs up: BYE -> 200.
# Expected verdict: one-way-audio (bob 127.0.0.12 sends nothing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-one-way-audio
sw_setup media-one-way-audio
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_nft "table inet media {" \
	"  chain out { type filter hook output priority 0; policy accept;" \
	"    ip saddr 127.0.0.12 udp sport 10020-10039 drop" \
	"  }" "}"
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.11:5071;transport=udp>;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.12:5073"
sleep 12
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "one-way-audio warning"
sw_rtp_streams "$NAME"
