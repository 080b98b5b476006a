package investigate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"trawl.dev/proto"
)

// Role is what a token may do. Each role may do what the ones before it may.
type Role int

// The roles.
const (
	RoleViewer   Role = iota + 1 // search, read, export
	RoleReviewer                 // and label sites
	RoleAdmin                    // and manage tokens, read the audit log
)

var roleNames = map[Role]string{RoleViewer: "viewer", RoleReviewer: "reviewer", RoleAdmin: "admin"}

func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// ParseRole parses "viewer", "reviewer" or "admin".
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q (want viewer, reviewer or admin)", s)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	*r = v
	return err
}

// TokenBucket is the JetStream key-value bucket that holds the tokens of
// every replica: key the SHA-256 of the token (hex), value a TokenInfo. The
// token itself is never stored.
const TokenBucket = "trawl_investigator_tokens"

// TokenInfo describes a token without revealing it.
type TokenInfo struct {
	ID        string    `json:"id"` // first 12 hex digits of the hash
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by,omitempty"`
	Static    bool      `json:"static,omitempty"` // given in Options, not in the bucket
}

// Token is a token to accept, given in Options: for tests, scripts and
// deployments that manage their own secrets.
type Token struct {
	Name  string
	Role  Role
	Token string
}

// tokenPrefix starts every token, so that a leaked one is easy to find.
const tokenPrefix = "trawl_"

// NewToken returns a new random token.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the SHA-256 of a token, hex. Tokens are 256 random bits, so
// a fast hash is enough: nothing can be guessed from it.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// validTokenName accepts 1-64 printable characters.
func validTokenName(s string) error {
	if strings.TrimSpace(s) == "" || len([]rune(s)) > 64 {
		return errors.New("a token name must be 1-64 characters")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errors.New("a token name must not contain control characters")
		}
	}
	return nil
}

// tokens knows every token, by hash: the static ones of the options and the
// ones in the bucket, kept up to date by a watch.
type tokens struct {
	mu     sync.RWMutex
	byHash map[string]TokenInfo
	static map[string]TokenInfo
	kv     jetstream.KeyValue
}

func newTokens(static []Token) (*tokens, error) {
	t := &tokens{byHash: make(map[string]TokenInfo), static: make(map[string]TokenInfo)}
	for _, s := range static {
		if err := validTokenName(s.Name); err != nil {
			return nil, fmt.Errorf("token %q: %w", s.Name, err)
		}
		if _, ok := roleNames[s.Role]; !ok {
			return nil, fmt.Errorf("token %q: no role", s.Name)
		}
		if len(s.Token) < 16 {
			return nil, fmt.Errorf("token %q: a token must be 16 characters or more", s.Name)
		}
		h := hashToken(s.Token)
		t.static[h] = TokenInfo{ID: h[:12], Name: s.Name, Role: s.Role, Static: true}
	}
	return t, nil
}

// open creates the bucket if needed and starts watching it; the watch ends
// with ctx. It returns once the bucket's current tokens are loaded.
func (t *tokens) open(ctx context.Context, js jetstream.JetStream, replicas int) error {
	kv, err := proto.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: TokenBucket,
		Description: "investigator API tokens, by SHA-256", History: 1, Storage: jetstream.FileStorage, Replicas: replicas})
	if err != nil {
		return fmt.Errorf("token bucket: %w", err)
	}
	t.kv = kv
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch tokens: %w", err)
	}
	loaded := make(chan struct{})
	go func() {
		defer func() { _ = w.Stop() }()
		once := sync.Once{}
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					once.Do(func() { close(loaded) })
					continue
				}
				t.mu.Lock()
				var info TokenInfo
				if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &info) != nil {
					delete(t.byHash, e.Key())
				} else {
					t.byHash[e.Key()] = info
				}
				t.mu.Unlock()
			}
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lookup returns the token's description, if the token is known.
func (t *tokens) lookup(tok string) (TokenInfo, bool) {
	if tok == "" || len(tok) > 256 {
		return TokenInfo{}, false
	}
	h := hashToken(tok)
	t.mu.RLock()
	defer t.mu.RUnlock()
	if info, ok := t.static[h]; ok {
		return info, true
	}
	info, ok := t.byHash[h]
	return info, ok
}

// create stores a new token and returns it.
func (t *tokens) create(ctx context.Context, name string, role Role, by string, now time.Time) (string, TokenInfo, error) {
	if err := validTokenName(name); err != nil {
		return "", TokenInfo{}, err
	}
	if _, ok := roleNames[role]; !ok {
		return "", TokenInfo{}, errors.New("unknown role")
	}
	tok := NewToken()
	if err := t.store(ctx, tok, name, role, by, now); err != nil {
		return "", TokenInfo{}, err
	}
	info, _ := t.lookup(tok)
	return tok, info, nil
}

// store puts a token's description in the bucket under the token's hash.
func (t *tokens) store(ctx context.Context, tok, name string, role Role, by string, now time.Time) error {
	if t.kv == nil {
		return errors.New("token bucket not open")
	}
	h := hashToken(tok)
	info := TokenInfo{ID: h[:12], Name: name, Role: role, Created: now.UTC(), CreatedBy: by}
	b, _ := json.Marshal(info)
	if _, err := t.kv.Put(ctx, h, b); err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	t.mu.Lock()
	t.byHash[h] = info
	t.mu.Unlock()
	return nil
}

// list returns every token's description, newest first.
func (t *tokens) list() []TokenInfo {
	t.mu.RLock()
	out := make([]TokenInfo, 0, len(t.byHash)+len(t.static))
	for _, i := range t.static {
		out = append(out, i)
	}
	for _, i := range t.byHash {
		out = append(out, i)
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b TokenInfo) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// revoke deletes the stored token with the given ID. Static tokens cannot be
// revoked.
func (t *tokens) revoke(ctx context.Context, id string) (TokenInfo, error) {
	t.mu.RLock()
	var hash string
	var info TokenInfo
	for h, i := range t.byHash {
		if subtle.ConstantTimeCompare([]byte(i.ID), []byte(id)) == 1 {
			hash, info = h, i
		}
	}
	t.mu.RUnlock()
	if hash == "" {
		return TokenInfo{}, errTokenNotFound
	}
	if err := t.kv.Purge(ctx, hash); err != nil {
		return TokenInfo{}, fmt.Errorf("revoke token: %w", err)
	}
	t.mu.Lock()
	delete(t.byHash, hash)
	t.mu.Unlock()
	return info, nil
}

// csrfToken is the value forms must echo: derived from the session token,
// so every replica computes the same one without storing anything.
func csrfToken(session string) string {
	h := sha256.Sum256([]byte("trawl-csrf\x00" + session))
	return hex.EncodeToString(h[:16])
}
