#!/bin/bash
# media-rtpengine-relay: a normal call whose media goes through a relay.
# alice (baresip) calls bob (baresip, auto-answer) through kamailio
# (authenticating, record-routing proxy, -A WITH_RTPENGINE), which asks
# rtpengine (userspace forwarding, ng control on 127.0.0.15:2223) to relay
# the media: the SDP that bob receives and the one alice receives both carry
# c=127.0.0.15 and rtpengine's ports (10040-10079).  INVITE -> 407, ACK,
# INVITE with Proxy-Authorization -> 100, 180, 200, ACK; RTP/RTCP flow
# alice <-> rtpengine <-> bob for about 12 s (four RTP streams on the wire);
# alice hangs up: BYE -> 200.  The ng control traffic (port 2223) is not
# captured.  Healthy: expected verdict none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-rtpengine-relay
sw_setup media-rtpengine-relay
sw_media_trap
sw_media_port_src 10000-10019 127.0.0.11 111
sw_media_port_src 10020-10039 127.0.0.12 112
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10079)"
sw_bg rtpengine rtpengine --config-file=none --foreground --log-stderr \
	--log-level=6 --table=-1 --interface=127.0.0.15 \
	--listen-ng=127.0.0.15:2223 --port-min=10040 --port-max=10079 \
	--pidfile="$SW_WORK/rtpengine.daemon-pid"
sleep 1
kill -0 "$(cat "$SW_WORK/rtpengine.pid")" || { cat "$SW_WORK/rtpengine.log" >&2; exit 1; }
sw_kamailio kam "udp:127.0.0.10:5070" -A WITH_RTPENGINE
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
sw_expect "$NAME" none
sw_rtp_streams "$NAME"
