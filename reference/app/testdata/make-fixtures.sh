#!/bin/sh
# make-fixtures.sh regenerates the media fixtures of the reference video app
# (reference/app/testdata) and fixtures.json, the facts tests compare with.
#
#   sh reference/app/testdata/make-fixtures.sh     (from anywhere)
#
# Needs ffmpeg and ffprobe (Debian: apt-get install ffmpeg). The output is
# deterministic for a given ffmpeg build (bit-exact flags, no metadata, one
# encoder thread, seeded noise), and every file is a few KB, so the results
# are committed; rerun the script only to change them, then commit the
# files and fixtures.json together.
#
#   calm.mp4       2 s, 160x120, 10 fps test pattern (H.264, or MPEG-4 part 2
#                  without libx264) with a 440 Hz AAC tone: a steady video,
#                  sensitivity "safe", 0 flashes per second.
#   flashing.mp4   2 s, 160x120, 10 fps, full-frame black/white alternation
#                  on every frame (10 changes, 5 flashes per second): "flagged".
#   audio.m4a      1 s AAC tone, no video stream: "not a video".
#   still.png      a single PNG image: not an allowed video container.
#   corrupt.mp4    the first 1 KiB of calm.mp4 followed by 4 KiB of noise:
#                  no moov atom, ffprobe cannot read it.
#   noise.mp4      16 KiB of seeded noise (the contract's "random bytes").
#   notvideo.txt   a text file.
set -eu

cd "$(dirname "$0")"

for tool in ffmpeg ffprobe; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "make-fixtures.sh: $tool not found (Debian: apt-get install ffmpeg)" >&2
		exit 1
	}
done

# Bit-exact output: no encoder version strings, no creation time, no tags.
exact="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1"
ff="ffmpeg -nostdin -hide_banner -v error -y"

if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' libx264 '; then
	vcodec="-c:v libx264 -preset medium -crf 32 -pix_fmt yuv420p -threads 1"
else
	vcodec="-c:v mpeg4 -q:v 8 -pix_fmt yuv420p -threads 1"
fi
acodec="-c:a aac -b:a 16k -ac 1 -threads 1"

# noise BYTES: seeded pseudo-random bytes from ffmpeg's own generator, so
# that they do not depend on the shell's or awk's random numbers.
noise() {
	ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=sample_rate=8000:amplitude=1:seed=42" \
		-af "atrim=end_sample=$1" -f u8 -ac 1 pipe:1
}

# shellcheck disable=SC2086 # $exact, $vcodec and $acodec are option lists
$ff -f lavfi -i "testsrc=size=160x120:rate=10:duration=2" \
	-f lavfi -i "sine=frequency=440:sample_rate=22050:duration=2" \
	-map 0:v -map 1:a $vcodec $acodec $exact calm.mp4

# shellcheck disable=SC2086
$ff -f lavfi -i "color=c=black:size=160x120:rate=10:duration=2,format=gray,geq=lum='if(mod(N\,2)\,255\,0)',format=yuv420p" \
	-map 0:v $vcodec $exact flashing.mp4

# shellcheck disable=SC2086
$ff -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=1" \
	-map 0:a $acodec $exact audio.m4a

# shellcheck disable=SC2086
$ff -f lavfi -i "testsrc=size=64x48:rate=1:duration=1" -frames:v 1 \
	-fflags +bitexact -flags:v +bitexact -map_metadata -1 still.png

{ head -c 1024 calm.mp4; noise 4096; } >corrupt.mp4
noise 16384 >noise.mp4
printf 'This is not a video.\nJust a few lines of text.\n' >notvideo.txt

# probe FILE ENTRY: one value from ffprobe, e.g. probe calm.mp4 format=duration.
probe() {
	ffprobe -v error -select_streams v:0 -show_entries "$2" -of default=noprint_wrappers=1:nokey=1 "$1" | head -n 1
}

# facts FILE: the JSON object of what ffprobe measures in FILE.
facts() {
	rate=$(probe "$1" stream=avg_frame_rate)
	fps=$(echo "$rate" | awk -F/ '{ if ($2 + 0 == 0) print 0; else printf "%.6g\n", $1 / $2 }')
	if [ -n "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$1")" ]; then
		audio=true
	else
		audio=false
	fi
	printf '{"duration": %s, "width": %s, "height": %s, "codec": "%s", "fps": %s, "bitRate": %s, "size": %s, "hasAudio": %s}' \
		"$(probe "$1" format=duration)" "$(probe "$1" stream=width)" "$(probe "$1" stream=height)" \
		"$(probe "$1" stream=codec_name)" "$fps" "$(probe "$1" format=bit_rate)" \
		"$(wc -c <"$1" | tr -d ' ')" "$audio"
}

{
	echo '{'
	echo '  "generator": "make-fixtures.sh",'
	echo "  \"ffmpeg\": \"$(ffmpeg -version | head -n 1 | awk '{ print $3 }')\","
	echo "  \"calm.mp4\": $(facts calm.mp4),"
	echo "  \"flashing.mp4\": $(facts flashing.mp4)"
	echo '}'
} >fixtures.json

ls -l calm.mp4 flashing.mp4 audio.m4a still.png corrupt.mp4 noise.mp4 notvideo.txt fixtures.json
