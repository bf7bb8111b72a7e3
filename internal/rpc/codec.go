package rpc

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The API rejects fields it does not know instead of dropping them: a
// caller who misspells a field, or expects a field this version does not
// have, learns it at once rather than from a silently different outcome.
// Connect's own codecs discard unknown fields, hence these two.

// jsonCodec is protojson with unknown fields rejected. Responses use the
// .proto field names (snake_case), the names error details refer to;
// requests may use either those or the lowerCamelCase JSON names.
type jsonCodec struct{ name string }

func (c jsonCodec) Name() string { return c.name }

func (jsonCodec) Marshal(v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("rpc: %T is not a protobuf message", v)
	}
	return protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
}

func (jsonCodec) Unmarshal(b []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("rpc: %T is not a protobuf message", v)
	}
	if len(b) == 0 {
		return errors.New("empty body: send a JSON object, {} when there are no fields")
	}
	return protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(b, m)
}

// protoCodec is binary Protobuf with unknown fields rejected.
type protoCodec struct{}

func (protoCodec) Name() string { return "proto" }

func (protoCodec) Marshal(v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("rpc: %T is not a protobuf message", v)
	}
	return proto.Marshal(m)
}

func (protoCodec) Unmarshal(b []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("rpc: %T is not a protobuf message", v)
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return err
	}
	return rejectUnknown(m.ProtoReflect())
}

// rejectUnknown reports the first unknown field in m or its sub-messages.
func rejectUnknown(m protoreflect.Message) error {
	if u := m.GetUnknown(); len(u) > 0 {
		return fmt.Errorf("unknown field in %s", m.Descriptor().FullName())
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = rejectUnknown(l.Get(i).Message())
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				err = rejectUnknown(mv.Message())
				return err == nil
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			err = rejectUnknown(v.Message())
		}
		return err == nil
	})
	return err
}
