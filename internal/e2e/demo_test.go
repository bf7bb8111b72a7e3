// Package e2e runs the whole exchange, a platform and two member nodes in
// one process, end to end: `hulian demo`'s contract, the privacy of what
// the platform keeps after an exchange, and the delivery benchmarks.
package e2e

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/cli"
	"hulian/internal/demo"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/rpc"
	"hulian/internal/settlement"
	"hulian/internal/sig"
	"hulian/internal/storage/storagetest"
)

// smallPeople is the population of the tests' demos: enough for the gate
// (three tags of at least two values with k = 1000 each) and quick.
const smallPeople = 4000

// runCLI runs hulian with args and returns its exit status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, &cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, Lang: i18n.ZH})
	return code, out.String(), errOut.String()
}

var freePorts = []string{"--platform-port", "0", "--supplier-port", "0", "--demander-port", "0"}

// TestDemoPopulationFileAndDir runs `hulian demo --exit` over a population
// file (numbers in several spellings, with duplicates) in English: it
// exits 0 after all steps, leaves the three stores and their key files in
// --dir, and a second run over the same directory refuses clearly.
func TestDemoPopulationFileAndDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nums, err := demo.Synthetic(smallPeople, 99)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("# our customers\n")
	for i, n := range nums {
		switch i % 4 {
		case 0:
			b.WriteString(n)
		case 1:
			b.WriteString("+86 " + n[:3] + " " + n[3:7] + " " + n[7:])
		case 2:
			b.WriteString("0086-" + n)
		case 3:
			b.WriteString("86" + n)
		}
		b.WriteString("\n")
		if i%40 == 0 {
			b.WriteString("+86" + n + "\n") // a duplicate
		}
	}
	pop := filepath.Join(t.TempDir(), "population.txt")
	if err := os.WriteFile(pop, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "stores")
	args := append([]string{"demo", "--exit", "--lang", "en", "--population", pop, "--dir", store}, freePorts...)
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"read 4,000 distinct mobile numbers", "(100 duplicates dropped)", "gate: 0 prohibited findings",
		"the log is intact", "all 36 steps done", "rows of its results file", "provisional): demander", "issues correction", "the payout is due by", "the total equals what the deliveries charged", "method batch", "chunks, each a delivery metered"} {
		if !strings.Contains(out, want) {
			t.Errorf("the narration lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{demo.PlatformDB, demo.SupplierDB, demo.DemanderDB, demo.PlatformDB + ".kek", demo.SupplierDB + ".kek", demo.DemanderDB + ".kek",
		"platform.log", demo.SupplierExIDs, demo.CustomersExIDs} {
		if _, err := os.Stat(filepath.Join(store, f)); err != nil {
			t.Errorf("--dir lacks %s: %v", f, err)
		}
	}
	for _, login := range []string{"supplier", "demander"} {
		path := filepath.Join(store, login+".token.json")
		c, loose, err := rpc.ReadCredentials(path)
		if err != nil || loose || c.Platform == "" || c.ID == "" || c.Expires.IsZero() {
			t.Errorf("token file %s: %+v, readable by others %v: %v", path, c, loose, err)
		}
	}
	if _, err := os.Stat(filepath.Join(store, demo.Results)); !os.IsNotExist(err) {
		t.Errorf("the delivered results survived their destruction: %v", err)
	}

	// A second run over the same stores refuses, naming them, and leaves
	// them as they were.
	before, _ := os.ReadFile(filepath.Join(store, demo.PlatformDB))
	code, out, errOut = runCLI(t, args...)
	if code == 0 || !strings.Contains(errOut, "already holds an earlier demo's stores") || !strings.Contains(errOut, demo.PlatformDB) {
		t.Errorf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	after, _ := os.ReadFile(filepath.Join(store, demo.PlatformDB))
	if !bytes.Equal(before, after) {
		t.Error("the refused run changed platform.db")
	}
}

// TestDemoBadPopulation: a population file with bad lines fails the
// population step, naming it and every bad line, with a non-zero status.
func TestDemoBadPopulation(t *testing.T) {
	t.Parallel()
	pop := filepath.Join(t.TempDir(), "population.txt")
	if err := os.WriteFile(pop, []byte("13800138000\n12345\n13900139000\n+1 415 555 0100\n\n1370013700x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, append([]string{"demo", "--exit", "--population", pop}, freePorts...)...)
	if code == 0 {
		t.Fatalf("a bad population file passed:\n%s", out)
	}
	for _, want := range []string{"演示第 2 步（合成人群与双方的原始数据）失败", "3 行不是有效的手机号码", "第 2 行", "第 4 行", "第 6 行"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "第 3 行") {
		t.Errorf("a good line was named:\n%s", errOut)
	}

	// Too few people for the gate: the same step fails, saying so.
	small := filepath.Join(t.TempDir(), "small.txt")
	if err := os.WriteFile(small, []byte("13800138000\n13900139000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, append([]string{"demo", "--exit", "--lang", "en", "--population", small}, freePorts...)...)
	if code == 0 || !strings.Contains(errOut, "demo step 2") || !strings.Contains(errOut, "use more people") {
		t.Errorf("a population too small: exit %d, stderr %s", code, errOut)
	}

	code, _, errOut = runCLI(t, "demo", "--exit", "--people", "10", "--population", small)
	if code != 2 || !strings.Contains(errOut, "--people") {
		t.Errorf("--people with --population: exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "demo", "--exit", "--db", "sqlite:///tmp/x.db")
	if code != 2 || !strings.Contains(errOut, "--db") || !strings.Contains(errOut, "PostgreSQL") {
		t.Errorf("--db with a SQLite URL: exit %d, stderr %s", code, errOut)
	}
}

// TestDemoPrivacy runs a demo exchange and then searches the platform's
// database (with its WAL) and its log for everything it must never hold:
// every raw number in two spellings, every exID of both members as text
// and in every binary rendering, every delivery token of the order, the
// API token secrets and passwords. The same search finds the exIDs in the
// supplier node's database, which shows it would find them.
//
// The same walk and search run under the 国密 profile (the platform on
// SQLite): every signature of the exchange is then SM2 with SM3 and what
// is sealed at rest is sealed with SM4-GCM.
func TestDemoPrivacy(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			platformDB := ""
			if eng == "postgres" {
				platformDB = storagetest.DSN(t, eng)
			}
			demoPrivacy(t, platformDB, "")
		})
	}
	t.Run("sqlite/gm", func(t *testing.T) {
		t.Parallel()
		demoPrivacy(t, "", keyring.ProfileGM)
	})
}

// demoPrivacy runs the demo with its platform on platformDB (PostgreSQL),
// or on SQLite when it is empty, under the cryptography profile, and
// searches what the platform keeps.
func demoPrivacy(t *testing.T, platformDB, profile string) {
	ctx := context.Background()
	var narration bytes.Buffer
	// A port in use: the platform falls back to a free one and says so.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	d, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), People: smallPeople, Seed: 5, Out: &narration, PlatformPort: port, PlatformDB: platformDB, Crypto: profile})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	sum, err := d.Walk(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, narration.String())
	}
	// Under the 国密 profile every key that signs is SM2 and every sealer
	// SM4-GCM; under the default one, Ed25519 and AES-256-GCM.
	wantSig, wantSeal := sig.Ed25519, keyring.AlgAESGCM
	if profile == keyring.ProfileGM {
		wantSig, wantSeal = sig.SM2, keyring.AlgSM4GCM
	}
	vkey, err := d.Platform.Log.VerifierKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if alg, _ := sig.NoteAlgOf(vkey); alg != wantSig || d.Platform.Platform.Sealer().Algorithm() != wantSeal {
		t.Errorf("the platform signs with %q and seals with %q, want %q and %q", alg, d.Platform.Platform.Sealer().Algorithm(), wantSig, wantSeal)
	}
	for _, n := range []*node.Node{d.Supplier.Node, d.Demander.Node} {
		if alg := sig.AlgOfKey(n.Keys.Signer); alg != wantSig || n.Sealer().Algorithm() != wantSeal {
			t.Errorf("a node signs with %q and seals with %q, want %q and %q", alg, n.Sealer().Algorithm(), wantSig, wantSeal)
		}
	}
	// The log's commitments and the deliveries' hashes are named for
	// their hash: SM3 under the 国密 profile.
	wantHash := "sha256"
	if profile == keyring.ProfileGM {
		wantHash = "sm3"
	}
	system := auth.WithActor(ctx, auth.System)
	fields := map[string]string{bizlog.KindMemberOpened: "x25519_public_", relay.KindDeliveryCompleted: "tokens_",
		listings.KindListingSubmitted: "gate_", complaints.KindFiled: "evidence_", settlement.KindIssued: "lines_", settlement.KindCorrected: "adjustments_"}
	for kind, field := range fields {
		var es []bizlog.Entry
		if err := d.Platform.DB.Read(system, func(tx *store.Tx) (err error) {
			es, err = tx.LogEntries(system, store.LogFilter{Kind: kind, Limit: 5})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 || !strings.Contains(string(es[0].Payload), `"`+field+wantHash+`"`) {
			t.Errorf("%s entries under the %q profile do not carry %s%s: %d entries", kind, profile, field, wantHash, len(es))
		}
	}
	// The statements are signed in the format that names their hash.
	sts, err := d.Platform.Statements.List(system, store.StatementFilter{})
	if err != nil || len(sts) == 0 {
		t.Fatalf("statements: %d, %v", len(sts), err)
	}
	for _, st := range sts {
		want := "hulian statement v1\n"
		if profile == keyring.ProfileGM {
			want = "hulian statement v2\n"
		}
		if string(st.Hash) != wantHash || !strings.HasPrefix(st.Signature, want) || (profile == keyring.ProfileGM) != strings.Contains(st.Signature, "\nsm3 "+st.LinesDigest+"\n") {
			t.Errorf("statement %s under the %q profile: hash %q, signed %q", st.ID, profile, st.Hash, st.Signature)
		}
	}
	// The token file the demo leaves works against the running platform.
	c, _, err := rpc.ReadCredentials(d.Path("demander.token.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rpc.NewClient(c.Platform, rpc.WithToken(c.Token)).ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{})); err != nil {
		t.Errorf("the demander's token file does not work: %v", err)
	}
	if want := fmt.Sprintf("端口 %d 已被占用，改用空闲端口", port); !strings.Contains(narration.String(), want) {
		t.Errorf("the narration does not say %q", want)
	}
	if sum.BatchMatched != sum.Matchable || sum.Unsigned == 0 || sum.BatchQueried != sum.DemanderIDs-sum.Unsigned || sum.BatchChunks < 2 || sum.RealtimeMatched == 0 ||
		sum.Destroyed < sum.BatchChunks+1 || sum.ChargedFen <= 0 || sum.StatementFen != sum.ChargedFen || sum.BatchOrderID == "" || sum.BatchOrderID == sum.OrderID {
		t.Errorf("summary %+v", sum)
	}
	// The month's close: issued as previewed, one credit, the rest paid
	// out, the payout due on a date, the book in balance.
	if !strings.Contains(sum.ComplaintRefused, "cpl_") {
		t.Errorf("the delivery while the complaint suspended the order was refused with %q", sum.ComplaintRefused)
	}
	if !strings.Contains(sum.HaltRefused, "halted") && !strings.Contains(sum.HaltRefused, "暂停") {
		t.Errorf("the delivery during the halt was refused with %q", sum.HaltRefused)
	}
	// Subjects withdrew consent between two deliveries, and the batch
	// delivery after it did not match them.
	if sum.Withdrawn == 0 || !strings.Contains(narration.String(), fmt.Sprintf("exactly %d fewer", sum.Withdrawn)) && !strings.Contains(narration.String(), fmt.Sprintf("正好少 %d 个", sum.Withdrawn)) {
		t.Errorf("withdrawals: %d", sum.Withdrawn)
	}
	// A customer's deletion travelled to the demander's results file.
	if sum.Erased != 1 || sum.Notices < 2 {
		t.Errorf("deletion: %d erased, %d notices", sum.Erased, sum.Notices)
	}
	// The regulator's witness followed the log and cosigned its end.
	if sum.WitnessedSize == 0 || sum.WitnessedSize > sum.LogSize {
		t.Errorf("the witness cosigned size %d of a log of %d", sum.WitnessedSize, sum.LogSize)
	}
	if sum.IssuedFen != sum.StatementFen || sum.CreditFen <= 0 || sum.PayoutFen != sum.IssuedFen-sum.CreditFen || sum.PayoutDue == "" || sum.BookSumFen != 0 {
		t.Errorf("the month's close: %+v", sum)
	}

	n := newNeedles()
	for _, num := range d.Numbers() {
		n.addNumber(num)
	}
	supIDs := exIDsOf(t, d.Path(demo.SupplierExIDs))
	demIDs := exIDsOf(t, d.Path(demo.CustomersExIDs))
	for _, id := range append(supIDs, demIDs...) {
		n.addExID(id)
	}
	// Both orders' tokens, derived as the demander's node derives them.
	peer, err := ecdh.X25519().NewPublicKey(d.Supplier.Node.Public().X25519)
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{sum.OrderID, sum.BatchOrderID} {
		k, err := ordertoken.Derive(d.Demander.Node.Keys.X25519, peer, order)
		if err != nil {
			t.Fatal(err)
		}
		tokens := make([]ordertoken.Token, len(demIDs))
		k.Tokens(demIDs, tokens)
		for _, tk := range tokens {
			n.addBytes(tk[:], "delivery token")
		}
	}
	// The values delivered: each matched customer's tag values, as the
	// sealed answer encodes them (length-prefixed, in order) and as the
	// results file writes them. (Each value alone is public: the listing
	// declares the value domain.)
	values := tagValues(t, d.Path(demo.SupplierExIDs))
	delivered := 0
	for _, id := range demIDs {
		v, ok := values[id]
		if !ok {
			continue
		}
		delivered++
		n.add(strings.Join(v, ","), "delivered values (CSV)")
		var enc []byte
		for _, x := range v {
			enc = binary.AppendUvarint(enc, uint64(len(x)))
			enc = append(enc, x...)
		}
		n.add(string(enc), "delivered values (answer encoding)")
	}
	if delivered != sum.Overlap {
		t.Errorf("%d customers in the supplier's data, %d overlap", delivered, sum.Overlap)
	}
	// The demander's query authorisation records stay on its node: the
	// platform holds only a digest of the commitments to them.
	for _, sum := range agreementDigests(t, d.Path(demo.Authorisations)) {
		n.add(sum, "authorisation agreement digest (hex)")
		raw, _ := hex.DecodeString(sum)
		n.addBytes(raw, "authorisation agreement digest")
	}
	for _, s := range d.Secrets() {
		n.add(s, "API token or password")
	}
	t.Logf("searching for %d needles", n.count)

	var checked []string
	for _, f := range []string{demo.PlatformDB, demo.PlatformDB + "-wal", demo.PlatformDB + "-shm", "platform.log"} {
		b, err := os.ReadFile(d.Path(f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checked = append(checked, fmt.Sprintf("%s (%d bytes)", f, len(b)))
		for _, hit := range n.find(f, b, 10) {
			t.Error(hit)
		}
	}
	if platformDB != "" {
		b := storagetest.Dump(t, platformDB)
		checked = append(checked, fmt.Sprintf("the PostgreSQL database (%d bytes as JSON rows)", len(b)))
		for _, hit := range n.find("postgres", b, 10) {
			t.Error(hit)
		}
		if !strings.Contains(narration.String(), "（PostgreSQL）") {
			t.Error("the narration does not name PostgreSQL as the platform's store")
		}
	}
	// Closed, the platform folds its WAL into the database file: search
	// that too.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(d.Path(demo.PlatformDB)); err == nil {
		checked = append(checked, fmt.Sprintf("%s after close (%d bytes)", demo.PlatformDB, len(b)))
		for _, hit := range n.find(demo.PlatformDB, b, 10) {
			t.Error(hit)
		}
	}
	if platformDB != "" {
		// The walkthrough starts from the first member: a platform database
		// already used is refused, saying so.
		again, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), People: smallPeople, Seed: 5, PlatformPort: 0, SupplierPort: 0, DemanderPort: 0, PlatformDB: platformDB, Lang: i18n.EN})
		if err != nil {
			t.Fatal(err)
		}
		_, err = again.Walk(ctx)
		again.Close()
		if err == nil || !strings.Contains(err.Error(), "already holds a platform") {
			t.Errorf("a used platform database: %v", err)
		}
	}
	t.Logf("checked %v", checked)
	if len(checked) < 2 {
		t.Errorf("too little to check: %v", checked)
	}

	// The control: the supplier's node does hold exIDs, and the search
	// finds them there.
	ctl := newNeedles()
	for _, id := range supIDs[:100] {
		ctl.addExID(id)
	}
	var found int
	for _, f := range []string{demo.SupplierDB, demo.SupplierDB + "-wal"} {
		b, err := os.ReadFile(d.Path(f))
		if err == nil {
			found += len(ctl.find(f, b, 1000))
		}
	}
	if found == 0 {
		t.Error("the search found no exID in the supplier node's database: it would not find them on the platform either")
	}
}

// agreementDigests reads the agreement_sha256 column of the demander's
// authorisations file.
func agreementDigests(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		if i == 0 || len(f) < 2 {
			continue
		}
		out = append(out, f[1])
	}
	if len(out) == 0 {
		t.Fatal("no authorisation records")
	}
	return out
}
