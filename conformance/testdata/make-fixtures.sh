#!/bin/sh
# make-fixtures.sh generates the upload fixtures that docs/contract.md §14
# names and measures every video fixture into fixtures.json, the facts the
# contract cases compare the target's `metadata` with (VID-5, VID-7).
#
#   sh conformance/testdata/make-fixtures.sh      (from anywhere)
#
# Needs ffmpeg and ffprobe. The output is deterministic for one ffmpeg build
# (bit-exact flags, no metadata, one encoder thread, seeded noise) and each
# file is a few KB, so the files are committed; rerun only to change them,
# then commit the files and fixtures.json together.
#
#   pattern.mp4         2 s, 320x240, 25 fps SMPTE bars (H.264) with a 440 Hz
#                       AAC tone: the §14 test pattern; steady, so "safe", 0.
#   pattern-silent.mp4  the same picture without an audio stream.
#   noise.bin           16 KiB of seeded noise: the §14 "random bytes", no
#                       decodable video stream, so processing must fail.
#
# Already here and only measured: calm.mp4 (a steady test pattern with
# audio), flashing.mp4 (full-frame black/white alternation, 10 changes per
# second: VID-7's "flagged, 4 to 6") and corrupt.mp4 (a truncated file).
set -eu

cd "$(dirname "$0")"

for tool in ffmpeg ffprobe; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "make-fixtures.sh: $tool not found (Debian: apt-get install ffmpeg)" >&2
		exit 1
	}
done

exact="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1"
ff="ffmpeg -nostdin -hide_banner -v error -y"
# VID-5 compares `codec` with ffprobe's codec_name: the pattern must be H.264.
vcodec="-c:v libx264 -preset medium -crf 35 -pix_fmt yuv420p -threads 1 -g 50"
acodec="-c:a aac -b:a 16k -ac 1 -threads 1"

# shellcheck disable=SC2086 # option lists
$ff -f lavfi -i "smptebars=size=320x240:rate=25:duration=2" \
	-f lavfi -i "sine=frequency=440:sample_rate=22050:duration=2" \
	-map 0:v -map 1:a $vcodec $acodec -shortest $exact pattern.mp4

# shellcheck disable=SC2086
$ff -f lavfi -i "smptebars=size=320x240:rate=25:duration=2" \
	-map 0:v $vcodec $exact pattern-silent.mp4

# Seeded pseudo-random bytes from ffmpeg's own generator (reproducible).
ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=sample_rate=8000:amplitude=1:seed=7" \
	-af "atrim=end_sample=16384" -f u8 -ac 1 pipe:1 >noise.bin

# probe FILE ENTRY prints one value of the first video stream or the format.
probe() {
	ffprobe -v error -select_streams v:0 -show_entries "$2" -of default=noprint_wrappers=1:nokey=1 "$1" | head -n 1
}

# facts FILE SENSITIVITY prints the JSON object the cases expect for FILE.
facts() {
	rate=$(probe "$1" stream=avg_frame_rate)
	fps=$(echo "$rate" | awk -F/ '{ if ($2 + 0 == 0) print 0; else printf "%.6g\n", $1 / $2 }')
	if [ -n "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$1")" ]; then
		audio=true
	else
		audio=false
	fi
	printf '{"terminal": "completed", "metadata": {"duration": %s, "width": %s, "height": %s, "codec": "%s", "fps": %s, "bitRate": %s, "size": %s, "hasAudio": %s}, "sensitivity": %s}' \
		"$(probe "$1" format=duration)" "$(probe "$1" stream=width)" "$(probe "$1" stream=height)" \
		"$(probe "$1" stream=codec_name)" "$fps" "$(probe "$1" format=bit_rate)" \
		"$(wc -c <"$1" | tr -d ' ')" "$audio" "$2"
}

safe='{"status": "safe", "minFlashes": 0, "maxFlashes": 0}'
flagged='{"status": "flagged", "minFlashes": 4, "maxFlashes": 6}'

{
	echo '{'
	echo '  "generator": "make-fixtures.sh",'
	echo "  \"ffmpeg\": \"$(ffmpeg -version | head -n 1 | awk '{ print $3 }')\","
	echo "  \"pattern.mp4\": $(facts pattern.mp4 "$safe"),"
	echo "  \"pattern-silent.mp4\": $(facts pattern-silent.mp4 "$safe"),"
	echo "  \"calm.mp4\": $(facts calm.mp4 "$safe"),"
	echo "  \"flashing.mp4\": $(facts flashing.mp4 "$flagged"),"
	echo "  \"noise.bin\": {\"terminal\": \"failed\", \"size\": $(wc -c <noise.bin | tr -d ' ')},"
	echo "  \"corrupt.mp4\": {\"terminal\": \"failed\", \"size\": $(wc -c <corrupt.mp4 | tr -d ' ')}"
	echo '}'
} >fixtures.json

ls -l pattern.mp4 pattern-silent.mp4 noise.bin calm.mp4 flashing.mp4 corrupt.mp4 fixtures.json
