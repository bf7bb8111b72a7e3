package rpc

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	hulianv1 "hulian/internal/gen/hulian/v1"
)

func sampleApply() *hulianv1.ApplyRequest {
	return &hulianv1.ApplyRequest{
		Application: &hulianv1.Application{
			Name: "上海测试数据有限公司", Uscc: "91310000000000001X", Industry: "I64", ContactName: "张三",
			ContactPhone: "021-55550100", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH",
			Roles: []hulianv1.MemberRole{hulianv1.MemberRole_MEMBER_ROLE_SUPPLIER, hulianv1.MemberRole_MEMBER_ROLE_DEMANDER},
		},
		Login: "ops", DisplayName: "张三", Password: "correct horse battery",
	}
}

func TestCodecsRejectUnknownFields(t *testing.T) {
	t.Parallel()
	good, _ := proto.Marshal(sampleApply())
	// An unknown field inside the nested application message.
	app, _ := proto.Marshal(sampleApply().Application)
	app = protowire.AppendTag(app, 42, protowire.BytesType)
	app = protowire.AppendBytes(app, []byte("x"))
	nested := protowire.AppendTag(nil, 1, protowire.BytesType)
	nested = protowire.AppendBytes(nested, app)
	top := protowire.AppendVarint(protowire.AppendTag(append([]byte{}, good...), 77, protowire.VarintType), 1)

	tests := []struct {
		name  string
		codec interface {
			Unmarshal([]byte, any) error
		}
		in      string
		wantErr string
	}{
		{"proto known", protoCodec{}, string(good), ""},
		{"proto unknown top-level", protoCodec{}, string(top), "unknown field in hulian.v1.ApplyRequest"},
		{"proto unknown nested", protoCodec{}, string(nested), "unknown field in hulian.v1.Application"},
		{"json known, proto names", jsonCodec{"json"}, `{"login":"a","display_name":"b","application":{"contact_name":"c"}}`, ""},
		{"json known, JSON names", jsonCodec{"json"}, `{"login":"a","displayName":"b","application":{"contactName":"c"}}`, ""},
		{"json unknown top-level", jsonCodec{"json"}, `{"login":"a","admin":true}`, `unknown field "admin"`},
		{"json unknown nested", jsonCodec{"json"}, `{"application":{"vip":true}}`, `unknown field "vip"`},
		{"json empty", jsonCodec{"json"}, ``, "empty body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.codec.Unmarshal([]byte(tt.in), &hulianv1.ApplyRequest{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzCodecs feeds arbitrary bytes to both request codecs: they must not
// panic, and whatever they accept must survive a round trip unchanged.
func FuzzCodecs(f *testing.F) {
	good, _ := proto.Marshal(sampleApply())
	js, _ := jsonCodec{"json"}.Marshal(sampleApply())
	for _, s := range [][]byte{good, js, []byte(`{}`), []byte(`{"application":{"roles":[1,"MEMBER_ROLE_DEMANDER"]}}`), {0x0a, 0x02, 0x98, 0x05}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, c := range []interface {
			Marshal(any) ([]byte, error)
			Unmarshal([]byte, any) error
		}{protoCodec{}, jsonCodec{"json"}} {
			var m hulianv1.ApplyRequest
			if c.Unmarshal(in, &m) != nil {
				continue
			}
			out, err := c.Marshal(&m)
			if err != nil {
				t.Fatalf("marshal of an accepted message: %v", err)
			}
			var back hulianv1.ApplyRequest
			if err := c.Unmarshal(out, &back); err != nil {
				t.Fatalf("re-reading %q: %v", out, err)
			}
			if !proto.Equal(&m, &back) {
				t.Fatalf("round trip changed the message: %v → %v", &m, &back)
			}
		}
	})
}

func BenchmarkCodecs(b *testing.B) {
	bin, _ := proto.Marshal(sampleApply())
	js, _ := jsonCodec{"json"}.Marshal(sampleApply())
	b.Run("proto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m hulianv1.ApplyRequest
			if err := (protoCodec{}).Unmarshal(bin, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m hulianv1.ApplyRequest
			if err := (jsonCodec{"json"}).Unmarshal(js, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
