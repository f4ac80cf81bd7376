package pipeline

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// maxDimension bounds the width and height read from ffprobe; larger
// values (and zero or negative ones) mean a damaged header.
const maxDimension = 1 << 16

// probe is what parseProbe reads from ffprobe: the Metadata, and which
// stream of the file it describes.
type probe struct {
	Metadata
	// videoIndex is ffprobe's index of the video stream, for ffmpeg's
	// "-map 0:<index>": the first video stream that is not cover art.
	videoIndex int
	// format is the demuxer ffprobe used ("mov,mp4,m4a,3gp,3g2,mj2").
	format string
	// formatBitRate: BitRate is ffprobe's format.bit_rate, not computed.
	formatBitRate bool
}

// probeJSON is the part of `ffprobe -print_format json -show_format
// -show_streams` that parseProbe reads. ffprobe writes most numbers as
// strings ("duration": "2.000000") and a few as numbers ("width": 320);
// scalar accepts both.
type probeJSON struct {
	Streams []struct {
		Index        scalar `json:"index"`
		CodecName    scalar `json:"codec_name"`
		CodecType    scalar `json:"codec_type"`
		Width        scalar `json:"width"`
		Height       scalar `json:"height"`
		AvgFrameRate scalar `json:"avg_frame_rate"`
		RFrameRate   scalar `json:"r_frame_rate"`
		Duration     scalar `json:"duration"`
		Disposition  struct {
			AttachedPic scalar `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format *struct {
		FormatName scalar `json:"format_name"`
		Duration   scalar `json:"duration"`
		Size       scalar `json:"size"`
		BitRate    scalar `json:"bit_rate"`
	} `json:"format"`
}

// scalar is a JSON string or number, kept as its text; null, true, false,
// objects and arrays read as "".
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*s = scalar(str)
		return nil
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		*s = scalar(n.String())
		return nil
	}
	*s = ""
	return nil
}

func (s scalar) float() (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func (s scalar) int() (int64, bool) {
	i, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	return i, err == nil
}

// rate reads an ffprobe frame rate, "30000/1001" or "25", as a positive
// number; "0/0" and the like are not rates.
func (s scalar) rate() (float64, bool) {
	num, den, frac := strings.Cut(string(s), "/")
	n, ok := scalar(num).float()
	if !ok {
		return 0, false
	}
	r := n
	if frac {
		d, ok := scalar(den).float()
		if !ok || d == 0 {
			return 0, false
		}
		r = n / d
	}
	if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0, false
	}
	return r, true
}

// parseProbe reads the JSON of `ffprobe -v error -print_format json
// -show_format -show_streams`. Its errors are *ProcessingError at
// StageMetadata with ErrCorrupt or ErrNotVideo as their cause.
//
// Size is format.size (Run replaces it with the size of the file), bitRate
// format.bit_rate or, without it, size × 8 ÷ duration; fps is the average
// frame rate, rounded to 3 decimals, or the base rate "r_frame_rate"
// when ffprobe has no average (0 when it has neither).
func parseProbe(data []byte) (*probe, error) {
	var pj probeJSON
	if err := json.Unmarshal(data, &pj); err != nil {
		return nil, failf(StageMetadata, ErrCorrupt, err.Error(), "corrupt file: unreadable ffprobe output")
	}
	if pj.Format == nil {
		return nil, failf(StageMetadata, ErrCorrupt, "", "corrupt file: ffprobe could not read it")
	}
	p := &probe{videoIndex: -1, format: string(pj.Format.FormatName)}
	video := -1
	for i, st := range pj.Streams {
		switch st.CodecType {
		case "audio":
			p.HasAudio = true
		case "video":
			if pic, _ := st.Disposition.AttachedPic.int(); pic == 0 && video < 0 {
				video = i
			}
		}
	}
	if video < 0 {
		return nil, failf(StageMetadata, ErrNotVideo, "", "not a video: no video stream")
	}
	st := pj.Streams[video]
	idx, ok := st.Index.int()
	if !ok || idx < 0 || idx > math.MaxInt32 {
		return nil, failf(StageMetadata, ErrCorrupt, "", "corrupt file: invalid stream index")
	}
	p.videoIndex = int(idx)
	p.Codec = strings.TrimSpace(string(st.CodecName))
	if p.Codec == "" || p.Codec == "none" {
		return nil, failf(StageMetadata, ErrNotVideo, "", "not a video: unknown video codec")
	}
	w, okW := st.Width.int()
	h, okH := st.Height.int()
	if !okW || !okH || w <= 0 || h <= 0 || w > maxDimension || h > maxDimension {
		return nil, failf(StageMetadata, ErrCorrupt, "", "corrupt file: invalid video dimensions")
	}
	p.Width, p.Height = int(w), int(h)

	d, ok := pj.Format.Duration.float()
	if !ok || d <= 0 {
		d, ok = st.Duration.float()
	}
	if !ok || d <= 0 {
		return nil, failf(StageMetadata, ErrNotVideo, "", "not a video: it has no duration")
	}
	p.Duration = d

	if r, ok := st.AvgFrameRate.rate(); ok {
		p.FPS = math.Round(r*1000) / 1000
	} else if r, ok := st.RFrameRate.rate(); ok {
		p.FPS = math.Round(r*1000) / 1000
	}
	if size, ok := pj.Format.Size.int(); ok && size > 0 {
		p.Size = size
	}
	if br, ok := pj.Format.BitRate.int(); ok && br > 0 {
		p.BitRate, p.formatBitRate = br, true
	}
	p.fillBitRate()
	return p, nil
}

// fillBitRate computes the bit rate from the size and the duration when
// ffprobe gave none.
func (m *Metadata) fillBitRate() {
	if m.BitRate > 0 || m.Size <= 0 || m.Duration <= 0 {
		return
	}
	br := math.Round(float64(m.Size) * 8 / m.Duration)
	if br >= 1 && br < math.MaxInt64/2 {
		m.BitRate = int64(br)
	}
}
