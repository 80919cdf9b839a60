#!/bin/bash
# media-hold: a call put on hold and resumed, which must not be taken for
# stopped media.  alice (baresip) calls bob (baresip, auto-answer) through
# kamailio (authenticating, record-routing proxy): INVITE -> 407, ACK,
# INVITE with Proxy-Authorization -> 100, 180, 200, ACK, PCMU both ways.
# After about 5 s alice's /hold sends a re-INVITE with a=sendonly (bob
# answers a=recvonly); baresip then stops sending RTP in both directions
# (RTCP goes on).  About 8 s later alice's /resume sends a re-INVITE with
# a=sendrecv, RTP resumes both ways; alice hangs up about 5 s later:
# BYE -> 200.  Expected verdict: none (the gap in the RTP is the hold).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-hold
sw_setup media-hold
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 4
sw_cmd 5581 "/hold"
sleep 6
sw_cmd 5581 "/resume"
sleep 3
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
sw_rtp_streams "$NAME"
