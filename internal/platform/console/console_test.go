package console

import (
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/store"
)

// TestMessages checks the catalog: both languages for every entry, and an
// entry for every key a template or the code asks for.
func TestMessages(t *testing.T) {
	t.Parallel()
	for k, m := range messages {
		if strings.TrimSpace(m.ZH) == "" || strings.TrimSpace(m.EN) == "" {
			t.Errorf("%s: missing a language: %+v", k, m)
		}
	}
	want := map[string]bool{}
	keyRe := regexp.MustCompile(`\bt "([a-z_.]+)"`)
	fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		b, _ := files.ReadFile(path)
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			want[m[1]] = true
		}
		return nil
	})
	for _, f := range append(append(append([]string{}, applyFields...), homeFields...), loginFields...) {
		want["field."+f] = true
	}
	for _, s := range stages {
		want["stage."+string(s)] = true
	}
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleRegulator, auth.RoleMember} {
		want["role."+string(r)] = true
	}
	for _, s := range []int{400, 401, 403, 404, 409, 412, 429, 500} {
		want[statusTitle(s)] = true
	}
	for k := range want {
		if _, ok := messages[k]; !ok {
			t.Errorf("no message %q", k)
		}
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                        "/",
		"/members?stage=applied":  "/members?stage=applied",
		"/members/mem_1":          "/members/mem_1",
		"//evil.example/x":        "/",
		"/\\evil.example":         "/",
		"https://evil.example/":   "/",
		"javascript:alert(1)":     "/",
		"members":                 "/",
		"/%2F%2Fevil.example":     "/%2F%2Fevil.example",
		"/login?next=//elsewhere": "/login?next=//elsewhere",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/members?stage=applied", "//x", "/\\x", "http://x/", "/a/../b", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := localPath(s)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("localPath(%q) = %q leaves the site", s, got)
		}
		if localPath(got) != got {
			t.Fatalf("localPath is not stable on %q: %q then %q", s, got, localPath(got))
		}
	})
}

func TestPublicKey(t *testing.T) {
	t.Parallel()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(250 + i) // bytes that need "+" and "/" in base64
	}
	for _, in := range []string{
		"+vv8/f7/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk=",
		"+vv8/f7/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk",
		"-vv8_f7_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk",
		" +vv8/f7/AAECAwQFBgcI\n CQoLDA0ODxAREhMUFRYXGBk= ",
	} {
		got, err := publicKey(in, "k")
		if err != nil || string(got) != string(key) {
			t.Errorf("publicKey(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "  ", "not base64!", "AAAA*"} {
		if _, err := publicKey(in, "k"); err == nil {
			t.Errorf("publicKey(%q) accepted", in)
		}
	}
}

func FuzzPublicKey(f *testing.F) {
	for _, s := range []string{"", "AAAA", "+vv8/f7/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk=", "-_==", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := publicKey(s, "k")
		if err != nil {
			return
		}
		// What was accepted decodes again to the same bytes.
		again, err := publicKey(base64.RawStdEncoding.EncodeToString(b), "k")
		if err != nil || string(again) != string(b) {
			t.Fatalf("round trip of %q: %x, %v", s, again, err)
		}
	})
}

// TestRenderEveryPage renders each page in both languages with an empty
// view, which catches template errors that no handler test reaches.
func TestRenderEveryPage(t *testing.T) {
	t.Parallel()
	c, err := newConsole(&exchange.Exchange{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := sampleMember(1)
	data := map[string]any{
		"login.html":   loginData{Next: "/", Bootstrap: true},
		"apply.html":   nil,
		"members.html": membersData{Members: []*member.Member{m}, Stages: stages, CanReview: true},
		"member.html":  memberData{M: m, Steps: steps(m), CanReview: true},
		"error.html":   nil,
		"log.html": logData{Entries: []bizlog.Entry{{Seq: 7, At: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC), Actor: "account:acc_1", Member: "mem_sample", Kind: "member.qualified", Object: "mem_sample", Payload: []byte(`{"reason":""}`)}},
			Checkpoint: &store.Checkpoint{Size: 8, Root: make([]byte, 32), Note: []byte("hulian.platform/log\n8\nAAAA\n")}, RootHex: "00", Next: 8,
			Report: &bizlog.Report{Entries: 8, Failure: &bizlog.Failure{Index: 3, Reason: i18n.T("叶子哈希不符", "leaf hash mismatch")}}, Failure: "entry 3: leaf hash mismatch"},
	}
	for _, stage := range stages {
		m := sampleMember(2)
		m.Stage = stage
		data["home.html/"+string(stage)] = memberData{M: m, Steps: steps(m), Agreement: "v1"}
	}
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		for page, d := range data {
			name, _, _ := strings.Cut(page, "/")
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r = r.WithContext(i18n.With(r.Context(), lang))
			w := httptest.NewRecorder()
			c.render(w, r, http.StatusOK, name, &view{Title: "app.name", Data: d})
			body, _ := io.ReadAll(w.Result().Body)
			if w.Code != http.StatusOK || !strings.Contains(string(body), "</html>") {
				t.Errorf("%s in %s: status %d\n%s", page, lang, w.Code, body)
			}
		}
	}
}

func sampleMember(n int) *member.Member {
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	return &member.Member{
		ID: "mem_sample", Stage: member.StageApplied, Standing: member.StandingGood,
		Application: member.Application{Name: "上海甲数据科技有限公司", USCC: "91310000MA1FL0000X", Industry: "I64",
			ContactName: "李雷", ContactPhone: "021-1", ContactEmail: "a@example.com", StorageRegion: "CN-SH", Supplier: true, Demander: n%2 == 0},
		Applied: member.Step{At: at, By: "account:acc_sample"},
	}
}

// BenchmarkRenderMembers renders the operator's list of 100 members.
func BenchmarkRenderMembers(b *testing.B) {
	c, err := newConsole(&exchange.Exchange{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ms := make([]*member.Member, 100)
	for i := range ms {
		ms[i] = sampleMember(i)
	}
	r := httptest.NewRequest(http.MethodGet, "/members", nil)
	r = r.WithContext(auth.WithCSRF(auth.WithActor(r.Context(), auth.Actor{AccountID: "acc_1", Role: auth.RoleOperator, Name: "operator"}), "token"))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		c.render(w, r, http.StatusOK, "members.html", &view{Title: "members.title", Data: membersData{Members: ms, Stages: stages, CanReview: true}})
	}
}
