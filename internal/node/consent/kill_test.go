package consent_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/storage/storagetest"
)

const (
	envKillDB  = "HULIAN_CONSENT_KILL_DB"
	envKillKEK = "HULIAN_CONSENT_KILL_KEK"
	killBatch  = 2000 // events a file
)

// TestConsentKillChild is the process TestConsentKill kills: it imports
// file after file of consents into the node's ledger, printing after each
// commit, until it is killed. It does nothing in a normal run.
func TestConsentKillChild(t *testing.T) {
	dsn := os.Getenv(envKillDB)
	if dsn == "" {
		t.Skip("the process of TestConsentKill")
	}
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: os.Getenv(envKillKEK), Region: "CN-SH"})
	if err != nil {
		fmt.Println("FAILED", err)
		os.Exit(1)
	}
	l := consent.New(n)
	for f := 0; ; f++ {
		var b strings.Builder
		b.WriteString("exid,purpose,action,basis,notice_version,method,evidence,at,separate\n")
		for i := 0; i < killBatch; i++ {
			fmt.Fprintf(&b, "%s,exchange,given,consent,1,app_opt_in,f%d-%d,2026-11-01 10:00,true\n", exidText(f*killBatch+i), f, i)
		}
		if _, err := l.Import(ctx, "feed.csv", strings.NewReader(b.String()), "", "kill"); err != nil {
			fmt.Println("FAILED", err)
			os.Exit(1)
		}
		fmt.Println("DONE", f+1)
	}
}

// TestConsentKill: a process importing consents is killed with SIGKILL at
// a random point, three times; after each, the ledger holds whole files
// only — never part of one — and its hash chain and states verify.
func TestConsentKill(t *testing.T) {
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
		if _, err := consent.New(n).Publish(ctx, notice(1), "test"); err != nil {
			t.Fatal(err)
		}
		n.Close()
		for round, wait := range []time.Duration{300 * time.Millisecond, 900 * time.Millisecond, 1700 * time.Millisecond} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestConsentKillChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envKillDB+"="+dsn, envKillKEK+"="+kek)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan int, 1)
			go func() {
				last := 0
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					fmt.Sscanf(sc.Text(), "DONE %d", &last)
				}
				done <- last
			}()
			time.Sleep(wait)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			seen := <-done
			n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: "CN-SH"})
			if err != nil {
				t.Fatal(err)
			}
			k, err := consent.New(n).Verify(ctx)
			var head int64
			n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { head, _, err = tx.ConsentHead(ctx); return err })
			n.Close()
			if err != nil {
				t.Fatalf("round %d: the ledger does not verify after the kill: %v", round, err)
			}
			if k != head || k%killBatch != 0 {
				t.Fatalf("round %d: %d events after the kill, not whole files of %d", round, k, killBatch)
			}
			t.Logf("round %d: killed after %v; %d files reported done, %d events kept", round, wait, seen, k)
		}
	})
}
