package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/privacy"
	"hulian/internal/node/server"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

const (
	envCentreKillDB  = "HULIAN_CENTRE_KILL_DB"
	envCentreKillKEK = "HULIAN_CENTRE_KILL_KEK"
	centreKillPeople = 1000
)

// TestCentreKillChild is the process TestCentreKill kills: a node serving
// its privacy centre, printing its address. It does nothing in a normal
// run.
func TestCentreKillChild(t *testing.T) {
	dsn := os.Getenv(envCentreKillDB)
	if dsn == "" {
		t.Skip("the process of TestCentreKill")
	}
	m, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", MaintainEvery: time.Hour,
		Node: node.Config{DB: dsn, KEKEnv: os.Getenv(envCentreKillKEK), Region: "CN-SH"}})
	if err != nil {
		fmt.Println("FAILED", err)
		os.Exit(1)
	}
	fmt.Println("URL", m.URL())
	m.Run(context.Background())
}

// TestCentreKill: people withdraw their consent in the privacy centre,
// four at a time, while the node's process is killed with SIGKILL, three
// times. After each kill the ledger verifies, every withdrawal the centre
// confirmed to its person is in it, and none was recorded beyond those
// confirmed and the four in flight.
func TestCentreKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		kek := keyring.NewKEKText()
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: "CN-SH"})
		if err != nil {
			t.Fatal(err)
		}
		l := consent.New(n)
		if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
			t.Fatal(err)
		}
		at := n.Now().Add(-time.Hour)
		var ins []consent.Input
		for i := range centreKillPeople {
			ins = append(ins, give(i, "exchange", at))
		}
		if _, err := l.Record(ctx, ins, "test"); err != nil {
			t.Fatal(err)
		}
		key, err := privacy.New(n).LinkKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n.Close()

		confirmed := map[int]bool{}
		next := 0
		for round, wait := range []time.Duration{400 * time.Millisecond, 900 * time.Millisecond, 1500 * time.Millisecond} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCentreKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCentreKillDB+"="+dsn, envCentreKillKEK+"="+kek)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			base := ""
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
					base = u
					break
				}
			}
			if base == "" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the child did not start")
			}
			go func() {
				for sc.Scan() {
				}
			}()

			// Four people at a time withdraw until the process dies.
			var mu sync.Mutex
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						mu.Lock()
						i := next
						next++
						mu.Unlock()
						if i >= centreKillPeople {
							return
						}
						if withdrawThroughCentre(base, key, personID(i)) == nil {
							mu.Lock()
							confirmed[i] = true
							mu.Unlock()
						}
					}
				})
			}
			time.Sleep(wait)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			close(stop)
			wg.Wait()

			n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: "CN-SH"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := consent.New(n).Verify(ctx); err != nil {
				n.Close()
				t.Fatalf("round %d: the ledger does not verify after the kill: %v", round, err)
			}
			withdrawn := 0
			for i := range next {
				id := personID(i)
				var states []*nodestore.ConsentState
				if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { states, err = tx.SubjectConsents(ctx, id[:]); return err }); err != nil {
					n.Close()
					t.Fatal(err)
				}
				isWithdrawn := len(states) == 1 && states[0].State == consent.StateWithdrawn
				if isWithdrawn {
					withdrawn++
				}
				if confirmed[i] && !isWithdrawn {
					t.Errorf("round %d: person %d was told their withdrawal was recorded, but the ledger says %+v", round, i, states)
				}
			}
			n.Close()
			if withdrawn < len(confirmed) || withdrawn > len(confirmed)+4 {
				t.Errorf("round %d: %d withdrawals recorded, %d confirmed", round, withdrawn, len(confirmed))
			}
			t.Logf("round %d: killed after %v; %d withdrawals confirmed, %d recorded", round, wait, len(confirmed), withdrawn)
		}
		if len(confirmed) == 0 {
			t.Error("no withdrawal went through before the kills")
		}
	})
}

// withdrawThroughCentre is a person following the app's link into the
// centre and withdrawing their consent for "exchange": nil once the
// centre answered that it recorded it.
func withdrawThroughCentre(base string, key []byte, id exid.ExID) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/privacy/enter?t=" + url.QueryEscape(privacy.MintLink(key, id, time.Now(), 5*time.Minute)))
	if err != nil {
		return err
	}
	res.Body.Close()
	res, err = c.Get(base + "/privacy")
	if err != nil {
		return err
	}
	b := new(strings.Builder)
	_, err = bufio.NewReader(res.Body).WriteTo(b)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("centre page: %d %v", res.StatusCode, err)
	}
	csrf := between(b.String(), `name="csrf" value="`, `"`)
	res, err = c.PostForm(base+"/privacy/choice", url.Values{"csrf": {csrf}, "purpose": {"exchange"}, "action": {"withdraw"}})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("withdraw: %d", res.StatusCode)
	}
	return nil
}
