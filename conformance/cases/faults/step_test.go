package faults

import (
	"encoding/json"
	"testing"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/wire"
)

// received builds what sioclient records for a decoded EVENT packet.
func received(p codec.SIOPacket) sioclient.Received {
	r := sioclient.Received{Packet: p}
	var all []json.RawMessage
	if (p.Type == codec.SIOEvent || p.Type == codec.SIOBinaryEvent) && json.Unmarshal(p.Data, &all) == nil && len(all) > 0 {
		_ = json.Unmarshal(all[0], &r.Event)
		r.Args = all[1:]
	}
	return r
}

func TestStepsOfProcessingEvents(t *testing.T) {
	for frame, want := range map[string][2]string{
		`2["video:progress",{"videoId":"v1","progress":40,"stage":"thumbnail"},"off-7"]`: {"v1", "40"},
		`2["video:processed",{"videoId":"v1","status":"completed"}]`:                     {"v1", "processed"},
		`2["video:failed",{"videoId":"v2","error":"No decodable video stream"}]`:         {"v2", "failed"},
		`2["server:announcement",{"message":"hi","videoId":"v1"}]`:                       {"", ""},
		`2["video:progress","v1"]`:                            {"", ""},
		`21["video:progress",{"videoId":"v1","progress":10}]`: {"v1", "10"},
		`35["video:progress",{"videoId":"v1","progress":10}]`: {"", ""},
	} {
		p, err := codec.DecodeSIO([]byte(frame))
		if err != nil {
			t.Fatalf("%s: %v", frame, err)
		}
		id, step := videoStep(received(p))
		if [2]string{id, step} != want {
			t.Errorf("videoStep(%s) = %q, %q; want %q", frame, id, step, want)
		}
		if got := wireStep(wire.Packet{SIOPacket: p}, want[0]); want[0] != "" && got != want[1] {
			t.Errorf("wireStep(%s) = %q; want %q", frame, got, want[1])
		}
	}
}

// FuzzStepDecodersAgree feeds Socket.IO packets to the two decoders of
// processing events (over sioclient's record and over raw wire packets):
// they must never panic and must name the same step for the same packet.
func FuzzStepDecodersAgree(f *testing.F) {
	for _, seed := range []string{
		`2["video:progress",{"videoId":"v1","progress":40,"stage":"thumbnail"},"off-7"]`,
		`2["video:processed",{"videoId":"v1","status":"completed","metadata":{"size":1}}]`,
		`2["video:failed",{"videoId":"v2","error":"x"}]`,
		`2["video:progress",{"videoId":7,"progress":"40"}]`,
		`2["video:progress",null]`,
		`2["video:progress"]`,
		`2[]`,
		`51-["video:processed",{"_placeholder":true,"num":0}]`,
		`0{"sid":"x"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, frame string) {
		p, err := codec.DecodeSIO([]byte(frame))
		if err != nil {
			return
		}
		id, step := videoStep(received(p))
		if id == "" {
			return
		}
		if got := wireStep(wire.Packet{SIOPacket: p}, id); got != step {
			t.Fatalf("%q: sioclient view %q, wire view %q", frame, step, got)
		}
	})
}

func TestMetadataMismatch(t *testing.T) {
	want := metadata{Duration: 2, Width: 160, Height: 120, Codec: "h264", FPS: 10, BitRate: 42148, Size: 10537, HasAudio: true}
	ok := want
	ok.Duration, ok.FPS, ok.BitRate = 2.05, 10.005, 1
	if m := ok.mismatch(want); m != "" {
		t.Errorf("within VID-5's tolerances, got %q", m)
	}
	for name, change := range map[string]func(*metadata){
		"duration": func(m *metadata) { m.Duration = 2.2 },
		"fps":      func(m *metadata) { m.FPS = 10.1 },
		"bitRate":  func(m *metadata) { m.BitRate = 0 },
		"size":     func(m *metadata) { m.Size++ },
		"hasAudio": func(m *metadata) { m.HasAudio = false },
		"codec":    func(m *metadata) { m.Codec = "hevc" },
		"width":    func(m *metadata) { m.Width = 320 },
	} {
		bad := want
		change(&bad)
		if bad.mismatch(want) == "" {
			t.Errorf("a wrong %s passed", name)
		}
	}
}
