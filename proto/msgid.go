package proto

import (
	"crypto/sha256"
	"encoding/hex"
)

// MsgID derives a Nats-Msg-Id from a message's identifying parts, so that a
// retried publish of the same content is dropped by the stream's duplicate
// window.
func MsgID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
