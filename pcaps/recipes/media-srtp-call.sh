#!/bin/bash
# media-srtp-call: a normal call with SRTP (SDES keys in the SDP).  alice
# (baresip) calls bob (baresip, auto-answer) through kamailio
# (authenticating, record-routing proxy): INVITE -> 407, ACK, INVITE with
# Proxy-Authorization -> 100, 180, 200, ACK.  Both accounts use
# mediaenc=srtp-mand, so the SDP offers RTP/SAVP with a=crypto lines and the
# media is SRTP/SRTCP (encrypted payload, RTP header in clear) both ways for
# about 12 s; alice hangs up: BYE -> 200.  Healthy: expected verdict none
# (counts, loss and jitter still work from the clear RTP headers).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-srtp-call
sw_setup media-srtp-call
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto;mediaenc=srtp-mand" "g711 srtp"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;mediaenc=srtp-mand" "g711 srtp"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 12
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" none
sw_rtp_streams "$NAME"
