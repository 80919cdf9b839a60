#!/bin/bash
# media-no-audio: alice (baresip) calls bob (baresip, auto-answer) through
# kamailio (authenticating, record-routing proxy): INVITE -> 407, ACK,
# INVITE with Proxy-Authorization -> 100, 180, 200, ACK.  Before the call an
# nftables rule in the namespace's output hook drops every UDP packet sent
# from the media ports of both phones (10000-10039: RTP and RTCP), as a
# firewall that lets SIP through but blocks the media would.  No RTP or RTCP
# is in the capture although the call is up for about 12 s; alice hangs up:
# BYE -> 200.  Expected verdict: no-audio.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-no-audio
sw_setup media-no-audio
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_nft "table inet media {" \
	"  chain out { type filter hook output priority 0; policy accept;" \
	"    udp sport 10000-10039 drop" \
	"  }" "}"
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 12
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "no-audio warning"
# Nothing but SIP is in this capture: sipwatch is told it was made on the media path.
echo "args --set no-audio.media-expected=1" >>"$SW_PCAPS/$NAME.expect"
sw_rtp_streams "$NAME"
