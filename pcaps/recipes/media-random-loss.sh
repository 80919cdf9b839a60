#!/bin/bash
# media-random-loss: alice (baresip) calls bob (baresip, auto-answer)
# directly: INVITE -> 180, 200, ACK, PCMU both ways for about 15 s, then
# alice hangs up: BYE -> 200.  This kernel has no netem, so the loss comes
# from an nftables rule in the namespace's output hook that drops about 8 %
# of the RTP packets each phone sends (even ports of 10000-10039, chosen by
# "numgen random mod 100 < 8"); RTCP (odd ports) is left alone, so its
# receiver reports carry the loss as each side saw it.  The dropped packets
# never reach the loopback, so the capture shows sequence-number gaps.
# Expected verdict: poor-quality (the exact loss is in the .rtp-streams file).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-media.sh"
NAME=media-random-loss
sw_setup media-random-loss
sw_media_trap
sw_media_lo_src 127.0.0.12 127.0.0.11
sw_media_lo_src 127.0.0.11 127.0.0.12
sw_nft "table inet media {" \
	"  chain out { type filter hook output priority 0; policy accept;" \
	"    udp sport 10000-10039 udp sport & 1 == 0 numgen random mod 100 < 8 drop" \
	"  }" "}"
sw_capture_start "udp and (portrange 5070-5075 or portrange 10000-10039)"
sw_media_baresip bob "127.0.0.12:5073" 5583 10020-10039 \
	"<sip:bob@127.0.0.12:5073;transport=udp>;regint=0;answermode=auto"
sw_media_baresip alice "127.0.0.11:5071" 5581 10000-10019 \
	"<sip:alice@127.0.0.11:5071;transport=udp>;regint=0"
sw_cmd 5581 "/dial sip:bob@127.0.0.12:5073"
sleep 15
sw_cmd 5581 "/hangup"
sleep 1
sw_capture_finish "$NAME"
sw_cmd 5581 "/quit"
sw_cmd 5583 "/quit"
sw_expect "$NAME" "poor-quality warning"
sw_rtp_streams "$NAME"
