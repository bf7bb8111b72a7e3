package bizlog_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/storage/sqlite"
)

// crashHelperEnv makes this test binary, started as a child, act as a
// platform process changing state as fast as it can (see crashHelper).
const crashHelperEnv = "HULIAN_CRASH_HELPER_DB"

const kindCrashTest = "test.nonce_used"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(crashHelperEnv); dsn != "" {
		crashHelper(dsn)
		return
	}
	os.Exit(m.Run())
}

// crashHelper makes concurrent state changes through package platform on
// the database until killed, printing each one once its transaction has
// committed: membership applications (a member, an account and two
// entries) and, faster, used request nonces each with its entry.
func crashHelper(dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	p := platform.New(db, nil)
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	report := func(s string) {
		mu.Lock()
		fmt.Fprintln(out, s)
		out.Flush()
		mu.Unlock()
	}
	pid := os.Getpid()
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				n := (pid%10000)*100000 + g*50000 + i
				m, _, err := p.Apply(ctx, platform.Application{
					Application: member.Application{Name: "崩溃测试公司", USCC: storetest.USCC(n), Industry: "I64", ContactName: "张三",
						ContactPhone: "021-12345678", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Supplier: true},
					Login: fmt.Sprintf("crash%d", n), DisplayName: "测试", Password: "crash-test-password-2026",
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "apply:", err)
					continue
				}
				report("member " + m.ID)
			}
		}()
	}
	sys := auth.WithActor(ctx, auth.System)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				nonce := fmt.Sprintf("n%d-%d-%d", pid, g, i)
				err := db.Transact(sys, func(tx *store.Tx) error {
					if err := tx.UseNonce(sys, "mem_crash", nonce, time.Now().Add(time.Hour)); err != nil {
						return err
					}
					_, err := tx.Append(sys, "mem_crash", kindCrashTest, nonce, bizlog.P{"n": i})
					return err
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "nonce:", err)
					continue
				}
				report("nonce " + nonce)
			}
		}()
	}
	wg.Wait()
}

// TestCrash kills the platform with SIGKILL, repeatedly, while state changes
// are committing: afterwards every change reported committed has its entry,
// every entry its change and vice versa, and "hulian log verify --db" passes
// (X-W5: a committed change always has its entry).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hulian")
	build := exec.Command("go", "build", "-o", bin, "hulian/cmd/hulian")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	dsn := "sqlite://" + filepath.Join(dir, "platform.db")
	kek := keyring.NewKEKText()
	committed := map[string]bool{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for it := 0; it < 4; it++ {
		// The platform itself, signing checkpoints every 100 ms, and a
		// process changing state, both on the same file, both killed.
		plat := exec.Command(bin, "platform", "--db", dsn, "--listen", "127.0.0.1:0")
		plat.Env = append(os.Environ(), "HULIAN_KEK="+kek, "HULIAN_LOG_CHECKPOINT_INTERVAL=100ms", "HULIAN_LOG_CHECKPOINT_EVERY=50")
		platErr, _ := plat.StderrPipe()
		if err := plat.Start(); err != nil {
			t.Fatal(err)
		}
		listening := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(platErr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "platform listening") {
					listening <- true
				}
			}
		}()
		select {
		case <-listening:
		case <-time.After(20 * time.Second):
			t.Fatal("the platform did not start")
		}
		helper := exec.Command(os.Args[0], "-test.run=^$")
		helper.Env = append(os.Environ(), crashHelperEnv+"="+dsn)
		var stderr strings.Builder
		helper.Stderr = &limitWriter{w: &stderr, n: 4096}
		stdout, _ := helper.StdoutPipe()
		if err := helper.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		var once sync.Once
		kill := func() {
			helper.Process.Signal(syscall.SIGKILL)
			plat.Process.Signal(syscall.SIGKILL)
		}
		// Killed a random while after changes start committing (or at the
		// latest after 20 s, if they never do).
		deadline := time.AfterFunc(20*time.Second, kill)
		n := 0
		for l := range lines {
			once.Do(func() { time.AfterFunc(time.Duration(300+rng.IntN(1200))*time.Millisecond, kill) })
			committed[l] = true
			n++
		}
		deadline.Stop()
		helper.Wait()
		plat.Wait()
		t.Logf("iteration %d: %d changes reported committed before SIGKILL", it, n)
		if n == 0 {
			t.Errorf("iteration %d: no change committed; helper said:\n%s", it, stderr.String())
		}
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path, _ := sqlite.Path(dsn)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	set := func(q string) map[string]bool {
		rows, err := raw.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out[s] = true
		}
		return out
	}
	members := set(`SELECT 'member ' || id FROM members`)
	applied := set(`SELECT 'member ' || object FROM log_entries WHERE kind = '` + bizlog.KindMemberApplied + `'`)
	accounts := set(`SELECT object FROM log_entries WHERE kind = '` + bizlog.KindAccountCreated + `'`)
	accountRows := set(`SELECT id FROM accounts`)
	nonces := set(`SELECT 'nonce ' || nonce FROM request_nonces`)
	nonceEntries := set(`SELECT 'nonce ' || object FROM log_entries WHERE kind = '` + kindCrashTest + `'`)
	same := func(what string, a, b map[string]bool) {
		for k := range a {
			if !b[k] {
				t.Errorf("%s: %s has no counterpart", what, k)
			}
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d vs %d", what, len(a), len(b))
		}
	}
	same("members and their entries", members, applied)
	same("accounts and their entries", accountRows, accounts)
	same("nonces and their entries", nonces, nonceEntries)
	lost := 0
	for c := range committed {
		if !(members[c] || nonces[c]) {
			lost++
			t.Errorf("committed change %q is missing", c)
		}
	}
	if len(committed) == 0 || len(nonces) == 0 {
		t.Fatal("no changes were made")
	}
	cps, _ := raw.Query(`SELECT COUNT(*) FROM log_checkpoints`)
	var ncp int
	if cps.Next() {
		cps.Scan(&ncp)
	}
	cps.Close()
	t.Logf("%d changes committed, %d entries' counterparts checked, %d checkpoints", len(committed), len(nonces)+len(members), ncp)
	verify := exec.Command(bin, "log", "verify", "--db", dsn, "--lang", "en")
	outb, err := verify.CombinedOutput()
	if err != nil || !strings.Contains(string(outb), "log intact") {
		t.Fatalf("hulian log verify: %v\n%s", err, outb)
	}
	t.Log(strings.TrimSpace(string(outb)))
}

// limitWriter keeps the first n bytes written.
type limitWriter struct {
	w interface{ WriteString(string) (int, error) }
	n int
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(b))
		l.w.WriteString(string(b[:k]))
		l.n -= k
	}
	return len(b), nil
}
