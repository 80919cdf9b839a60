#!/bin/bash
# media-codec-mismatch: alice (baresip, account limited to PCMU with
# audio_codecs=PCMU) calls bob (baresip, auto-answer, only the G.722 codec
# module loaded) through kamailio (authenticating, record-routing proxy):
# INVITE -> 407, ACK, INVITE with Proxy-Authorization (SDP offers PCMU and
# telephone-event only) -> 100, relayed to bob, who has no codec in common
# and refuses the offer: 488 Not Acceptable Here, relayed to alice, ACK on
# each hop.  No RTP.  Expected verdict: codec-mismatch (offered PCMU; bob
# supports G722 only, which the capture does not show).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-codec-mismatch
sw_setup media-codec-mismatch
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_kamailio kam "udp:127.0.0.10:5070"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;answermode=auto" g722
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.10:5070;transport=udp>;auth_pass=secret;regint=0;audio_codecs=PCMU"
sw_cmd 5581 "/dial sip:bob@127.0.0.10:5070"
sleep 4
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "codec-mismatch warning"
sw_rtp_streams "$NAME"
