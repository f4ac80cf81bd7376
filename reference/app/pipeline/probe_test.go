package pipeline

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeContract is ffprobe's output for the contract's example file (VID-5),
// trimmed to what parseProbe reads, with cover art first.
const probeContract = `{
  "streams": [
    {"index": 0, "codec_name": "mjpeg", "codec_type": "video", "width": 600, "height": 600,
     "avg_frame_rate": "0/0", "r_frame_rate": "90000/1", "disposition": {"attached_pic": 1}},
    {"index": 1, "codec_name": "h264", "codec_type": "video", "width": 320, "height": 240,
     "r_frame_rate": "25/1", "avg_frame_rate": "25/1", "duration": "2.000000",
     "disposition": {"default": 1, "attached_pic": 0}},
    {"index": 2, "codec_name": "aac", "codec_type": "audio", "r_frame_rate": "0/0", "avg_frame_rate": "0/0"}
  ],
  "format": {"filename": "standup.mp4", "nb_streams": 3, "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
             "duration": "2.000000", "size": "103220", "bit_rate": "412880"}
}`

func TestParseProbe(t *testing.T) {
	p, err := parseProbe([]byte(probeContract))
	require.NoError(t, err)
	assert.Equal(t, Metadata{Duration: 2, Width: 320, Height: 240, Codec: "h264", FPS: 25, BitRate: 412880, Size: 103220, HasAudio: true}, p.Metadata)
	assert.Equal(t, 1, p.videoIndex, "the cover art is skipped")
	assert.Equal(t, "mov,mp4,m4a,3gp,3g2,mj2", p.format)
	assert.True(t, p.formatBitRate)
}

func TestParseProbeFallbacks(t *testing.T) {
	// NTSC rate, numbers as numbers, no bit rate, duration on the stream
	// only, average rate unknown.
	p, err := parseProbe([]byte(`{"streams":[{"index":0,"codec_type":"video","codec_name":"hevc",
		"width":"1920","height":1080,"avg_frame_rate":"0/0","r_frame_rate":"30000/1001","duration":"10.010000"}],
		"format":{"size":1000000,"duration":"N/A"}}`))
	require.NoError(t, err)
	assert.Equal(t, Metadata{Duration: 10.01, Width: 1920, Height: 1080, Codec: "hevc", FPS: 29.97, BitRate: 799201, Size: 1000000}, p.Metadata)
	assert.False(t, p.formatBitRate)

	// No rate at all: fps 0, still a video.
	p, err = parseProbe([]byte(`{"streams":[{"index":3,"codec_type":"video","codec_name":"vp9","width":2,"height":2}],
		"format":{"duration":"1.5"}}`))
	require.NoError(t, err)
	assert.Equal(t, Metadata{Duration: 1.5, Width: 2, Height: 2, Codec: "vp9"}, p.Metadata)
	assert.Equal(t, 3, p.videoIndex)
}

func TestParseProbeErrors(t *testing.T) {
	tests := []struct {
		name, json string
		cause      error
		reason     string
	}{
		{"not JSON", `moov atom not found`, ErrCorrupt, "corrupt file: unreadable ffprobe output"},
		{"empty", ``, ErrCorrupt, "corrupt file: unreadable ffprobe output"},
		{"no format", `{"streams":[]}`, ErrCorrupt, "corrupt file: ffprobe could not read it"},
		{"empty object", `{}`, ErrCorrupt, "corrupt file: ffprobe could not read it"},
		{"no streams", `{"format":{"duration":"2"}}`, ErrNotVideo, "not a video: no video stream"},
		{"audio only", `{"streams":[{"index":0,"codec_type":"audio","codec_name":"mp3"}],"format":{"duration":"2"}}`, ErrNotVideo, "not a video: no video stream"},
		{"cover art only", `{"streams":[{"index":0,"codec_type":"video","codec_name":"png","width":9,"height":9,"disposition":{"attached_pic":1}}],"format":{"duration":"2"}}`, ErrNotVideo, "not a video: no video stream"},
		{"no codec", `{"streams":[{"index":0,"codec_type":"video","width":320,"height":240}],"format":{"duration":"2"}}`, ErrNotVideo, "not a video: unknown video codec"},
		{"no index", `{"streams":[{"codec_type":"video","codec_name":"h264","width":320,"height":240}],"format":{"duration":"2"}}`, ErrCorrupt, "corrupt file: invalid stream index"},
		{"zero width", `{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":0,"height":240}],"format":{"duration":"2"}}`, ErrCorrupt, "corrupt file: invalid video dimensions"},
		{"huge height", `{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":320,"height":99999999999}],"format":{"duration":"2"}}`, ErrCorrupt, "corrupt file: invalid video dimensions"},
		{"no duration", `{"streams":[{"index":0,"codec_type":"video","codec_name":"png","width":64,"height":48}],"format":{"format_name":"png_pipe"}}`, ErrNotVideo, "not a video: it has no duration"},
		{"NaN duration", `{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":1,"height":1,"duration":"NaN"}],"format":{"duration":"-inf"}}`, ErrNotVideo, "not a video: it has no duration"},
		{"wrong type", `{"streams":{"index":0},"format":{}}`, ErrCorrupt, "corrupt file: unreadable ffprobe output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseProbe([]byte(tt.json))
			require.Nil(t, p)
			var pe *ProcessingError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, StageMetadata, pe.Stage)
			assert.Equal(t, tt.reason, pe.Reason)
			assert.ErrorIs(t, err, tt.cause)
		})
	}
}

func TestScalarRate(t *testing.T) {
	for in, want := range map[string]float64{"25/1": 25, "30000/1001": 30000.0 / 1001, "24": 24, "0.5": 0.5} {
		got, ok := scalar(in).rate()
		assert.True(t, ok, in)
		assert.InDelta(t, want, got, 1e-12, in)
	}
	for _, in := range []string{"", "0/0", "1/0", "0/1", "-25/1", "25/-1", "N/A", "a/b", "inf/1", "1/2/3", "NaN"} {
		_, ok := scalar(in).rate()
		assert.False(t, ok, in)
	}
}

// FuzzParseProbe: parseProbe never panics and either returns Metadata the
// contract accepts (VID-5) and JSON can encode, or a *ProcessingError at
// StageMetadata caused by ErrCorrupt or ErrNotVideo. The seed corpus in
// testdata/fuzz/FuzzParseProbe is real ffprobe output for the fixtures and
// a few other files (VP9 WebM, MP3 with cover art, 120 fps H.264).
func FuzzParseProbe(f *testing.F) {
	for _, s := range []string{
		probeContract, ``, `{}`, `null`, `[]`, `{"format":{}}`, `{"format":null,"streams":null}`,
		`{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":1,"height":1}],"format":{"duration":"1e308","size":"9223372036854775807"}}`,
		`{"streams":[{"index":"7","codec_type":"video","codec_name":"h264","width":"16","height":"16","avg_frame_rate":"1/1e-320"}],"format":{"duration":1e-300,"size":1e18}}`,
		`{"streams":[{"index":0,"codec_type":"video","codec_name":"x","width":1,"height":1,"disposition":[]}],"format":{"duration":"2"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseProbe(data)
		if err != nil {
			var pe *ProcessingError
			if !errors.As(err, &pe) || pe.Stage != StageMetadata || pe.Reason == "" || p != nil {
				t.Fatalf("bad error %#v (probe %v)", err, p)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotVideo) {
				t.Fatalf("error without a cause: %v", err)
			}
			return
		}
		md := p.Metadata
		finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
		switch {
		case !(md.Duration > 0) || !finite(md.Duration):
			t.Fatalf("duration %v", md.Duration)
		case md.Width <= 0 || md.Height <= 0 || md.Width > maxDimension || md.Height > maxDimension:
			t.Fatalf("dimensions %dx%d", md.Width, md.Height)
		case md.Codec == "":
			t.Fatal("no codec")
		case md.FPS < 0 || !finite(md.FPS):
			t.Fatalf("fps %v", md.FPS)
		case md.BitRate < 0 || md.Size < 0:
			t.Fatalf("bitRate %d size %d", md.BitRate, md.Size)
		case md.Size > 0 && md.BitRate == 0 && float64(md.Size)*8/md.Duration >= 1 && float64(md.Size)*8/md.Duration < math.MaxInt64/2:
			t.Fatalf("no bit rate for size %d over %v s", md.Size, md.Duration)
		case p.videoIndex < 0:
			t.Fatalf("video index %d", p.videoIndex)
		}
		if _, err := json.Marshal(md); err != nil {
			t.Fatalf("Metadata does not encode: %v", err)
		}
		again, err := parseProbe(data)
		if err != nil || *again != *p {
			t.Fatalf("not deterministic: %+v then %+v, %v", p, again, err)
		}
	})
}
