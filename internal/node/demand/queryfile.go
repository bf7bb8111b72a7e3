package demand

import (
	"bufio"
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/retry"
)

// A file query (`hulian query --in ids.csv --out results.csv`) sends the
// input's IDs in chunks of at most the order's max_tokens, several in
// flight, and writes every input row to the results in input order. After
// each chunk is written, a state file beside the results records how far
// the run got, so that a rerun continues after the last chunk written;
// chunks are requests "<batch ID>/<chunk number>", and the platform answers
// a request ID it has delivered before again without charging twice.

// queryStateSuffix names the state file beside the results.
const queryStateSuffix = ".state"

// DefaultQueryChunk is the chunk size of a file query when the order
// allows larger ones.
const DefaultQueryChunk = 1 << 18

// MaxQueryInFlight bounds the chunks a file query has in flight.
const MaxQueryInFlight = 4

// QueryJob is a file query.
type QueryJob struct {
	OrderID string
	In, Out string
	// Column is the input's key column: exIDs, or raw IDs when Translate
	// is set. Its values are written back beside the results, so the
	// results are keyed by the member's own IDs.
	Column   string
	Encoding scan.Encoding
	// Translate turns raw IDs into exIDs through the platform; Normalize
	// checks one raw ID first, so that a bad row stops the run before
	// its chunk is sent.
	Translate func(ctx context.Context, raw []string) ([]exid.Result, error)
	// KeyType is the raw IDs' type, recorded with the deliveries so that
	// a notice of corrections or deletions can find their rows later.
	KeyType   ident.Type
	Normalize func(raw string) error
	Chunk     int // IDs per request, at most the order's max_tokens; 0: max_tokens, at most DefaultQueryChunk
	InFlight  int // chunks in flight, 1 to 4; default 3
	// Progress, if set, is called after each chunk is written.
	Progress func(QueryProgress)
	// Retry says how long a chunk is sent again while the platform is
	// unavailable (unreachable, restarting, its database down): the same
	// request ID each time, which the platform answers without charging
	// twice. The zero Policy does not retry.
	Retry retry.Policy
}

// QueryProgress counts a file query's work.
type QueryProgress struct {
	Rows    int64 // input rows written to the results, this run and before
	Matched int64
	Chunks  int64 // chunks written
	// ChargeFen is what the whole job cost, this run and earlier ones,
	// replayed chunks included; ChargedBefore the part charged in earlier
	// runs.
	ChargeFen     int64
	ChargedBefore int64
	Resumed       int64 // rows an earlier run had written
	Replayed      int64 // chunks the platform had delivered before (not charged again)
	// Unauthorised counts rows not asked: the order needs a query
	// authorisation (X-E10) the node holds none of for them. Their
	// results row says "-" where others say 1 (matched) or 0.
	Unauthorised int64
	InBytes      int64
	InSize       int64
}

// queryState is the state file's content.
type queryState struct {
	Version   int    `json:"version"`
	Order     string `json:"order"`
	Column    string `json:"column"`
	Raw       bool   `json:"raw"`
	Batch     string `json:"batch"`
	Chunk     int    `json:"chunk"`
	Chunks    int64  `json:"chunks"`
	Rows      int64  `json:"rows"`
	Matched   int64  `json:"matched"`
	ChargeFen int64  `json:"charge_fen"`
	// Unauthorised rows were not asked for want of a query authorisation.
	Unauthorised int64 `json:"unauthorised,omitempty"`
	OutBytes     int64 `json:"out_bytes"`
	// RowsHash is the SHA-256 of the key cells of the rows written, each
	// followed by a newline: a rerun checks that those rows did not change.
	RowsHash string `json:"rows_hash"`
}

// queryChunk is one chunk on its way through the pipeline.
type queryChunk struct {
	seq   int64
	first int // input row number of the first row
	keys  []string
	lines []int // the file line of each key, for messages about it
	ids   []exid.ExID
	res   *chunkResult
	err   error
	// Set by formatChunk, which drops keys, ids and the values.
	text   []byte // the rows as written to the results
	hashed []byte // the keys, each followed by a newline
	rows   int
}

type countingFile struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// inputError places a bad input cell at its file, row and column.
func inputError(file string, err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		c := *e
		c.Field = file + ": " + c.Field
		if e.Field == "" {
			c.Field = file
		}
		return &c
	}
	return &errs.Error{Kind: errs.Invalid, Field: file, Reason: i18n.T("无法读取输入文件", "cannot read the input file"), Err: err}
}

// QueryFile runs a file query. Memory stays bounded by the chunk size and
// the chunks in flight, whatever the input's size.
func (n *Side) QueryFile(ctx context.Context, j QueryJob) (QueryProgress, error) {
	var p QueryProgress
	if j.Column == "" {
		j.Column = "exid"
	}
	if j.In == "" || j.Out == "" {
		return p, errs.Invalidf("--in", "须指定输入文件 --in 和结果文件 --out", "give the input with --in and the results file with --out")
	}
	if j.In == j.Out {
		return p, errs.Invalidf("--out", "结果文件不能与输入文件相同", "the results file cannot be the input file")
	}
	if j.InFlight <= 0 {
		j.InFlight = 3
	}
	j.InFlight = min(j.InFlight, MaxQueryInFlight)
	peer, peerKey, err := n.demandPeer(ctx, j.OrderID)
	if err != nil {
		return p, err
	}
	chunk := peer.MaxTokens
	if chunk <= 0 {
		chunk = 10_000
	}
	switch {
	case j.Chunk > 0 && j.Chunk < chunk:
		chunk = j.Chunk
	case j.Chunk == 0 && chunk > DefaultQueryChunk:
		// Chunks far below a batch order's limit keep the stages busy at
		// once (reading, the relay and the supplier, writing) at a cost of
		// a few milliseconds of metering each.
		chunk = DefaultQueryChunk
	}

	st := queryState{Version: 1, Order: j.OrderID, Column: j.Column, Raw: j.Translate != nil, Batch: auth.NewID("bt_"), Chunk: chunk}
	resume := false
	if b, err := os.ReadFile(j.Out + queryStateSuffix); err == nil {
		var old queryState
		if json.Unmarshal(b, &old) == nil && old.Version == st.Version && old.Order == st.Order && old.Column == st.Column && old.Raw == st.Raw && old.Chunk > 0 {
			st, resume = old, true
		}
	}

	f, err := os.Open(j.In)
	if err != nil {
		return p, errs.Invalidf("--in", "无法打开输入文件："+err.Error(), "cannot open the input file: "+err.Error())
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		p.InSize = fi.Size()
	}
	counter := &countingFile{r: f}
	rd, err := scan.NewReader(counter, j.Encoding)
	if err != nil {
		return p, inputError(j.In, err)
	}
	col, err := rd.Column(j.Column)
	if err != nil {
		have := strings.Join(rd.Header, ", ")
		return p, inputError(j.In, errs.Invalidf(j.Column, "输入文件表头中没有这一列（--column）；表头的列为："+have, "the input's header has no such column (--column); it has: "+have))
	}

	rowsHash := sha256.New()
	if resume {
		for i := int64(0); i < st.Rows; i++ {
			rec, err := rd.Next()
			if err != nil {
				return p, errs.Invalidf("--in", "续传时输入文件比上次短，请删除 "+j.Out+queryStateSuffix+" 后重新开始", "on resuming, the input is shorter than before; delete "+j.Out+queryStateSuffix+" to start over")
			}
			io.WriteString(rowsHash, rec[col])
			rowsHash.Write([]byte{'\n'})
		}
		if hex.EncodeToString(rowsHash.Sum(nil)) != st.RowsHash {
			return p, errs.Invalidf("--in", "输入文件已写入结果的行在上次运行后被修改，不能续传；请删除 "+j.Out+queryStateSuffix+" 后重新开始", "rows of the input already written to the results changed since the last run, so it cannot resume; delete "+j.Out+queryStateSuffix+" to start over")
		}
		p.Resumed = st.Rows
	}
	p.Rows, p.Matched, p.Chunks, p.ChargeFen, p.Unauthorised = st.Rows, st.Matched, st.Chunks, st.ChargeFen, st.Unauthorised
	p.ChargedBefore = st.ChargeFen

	out, err := openResults(j.Out, st.OutBytes, resume)
	if err != nil {
		return p, errs.Invalidf("--out", "无法写入结果文件："+err.Error(), "cannot write the results file: "+err.Error())
	}
	defer out.f.Close()
	if !resume {
		out.writeRecord(append([]string{j.Column, "matched"}, peer.Columns...))
		if err := n.saveQueryState(j.Out, out, &st, rowsHash); err != nil {
			return p, err
		}
	}

	// The reader stops at the first bad row; workers take chunks in order
	// and, after a failure, send nothing further; the writer writes chunks
	// in order up to the first that failed.
	dispatch, stop := context.WithCancel(ctx)
	defer stop()
	work := make(chan *queryChunk, j.InFlight)
	done := make(chan *queryChunk, j.InFlight)
	var readErr error
	var readDone = make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(work)
		readErr = n.readChunks(dispatch, rd, j, col, chunk, st.Chunks, int(st.Rows), work)
	}()
	var failed atomic.Int64
	failed.Store(-1)
	var wg sync.WaitGroup
	for range j.InFlight {
		wg.Go(func() {
			for c := range work {
				if f := failed.Load(); f >= 0 && c.seq > f {
					continue
				}
				c.err = j.Retry.Do(ctx, func(ctx context.Context) (err error) {
					c.res, err = n.queryChunk(ctx, j, peer, peerKey, st.Batch, c)
					return err
				})
				if c.err == nil {
					formatChunk(c, len(peer.Columns), j.Translate != nil)
				}
				if c.err != nil {
					for {
						f := failed.Load()
						if (f >= 0 && f <= c.seq) || failed.CompareAndSwap(f, c.seq) {
							break
						}
					}
					stop()
				}
				done <- c
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	pending := map[int64]*queryChunk{}
	next := st.Chunks
	var runErr error
	for c := range done {
		if runErr != nil {
			continue
		}
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if c.err != nil {
				runErr = c.err
				break
			}
			if _, err := out.buf.Write(c.text); err != nil {
				runErr = err
				break
			}
			rowsHash.Write(c.hashed)
			next++
			st.Chunks, st.Rows = next, st.Rows+int64(c.rows)
			st.Matched += int64(c.res.matched)
			st.Unauthorised += int64(c.res.unauthorised)
			st.ChargeFen += c.res.charge()
			if c.res.replayed {
				// Delivered and charged in a run that stopped before
				// writing it: its cost belongs to the job, paid earlier.
				p.Replayed++
				p.ChargedBefore += c.res.charge()
			}
			if err := n.saveQueryState(j.Out, out, &st, rowsHash); err != nil {
				runErr = err
				break
			}
			p.Rows, p.Matched, p.Chunks, p.ChargeFen, p.InBytes, p.Unauthorised = st.Rows, st.Matched, st.Chunks, st.ChargeFen, counter.n.Load(), st.Unauthorised
			if j.Progress != nil {
				j.Progress(p)
			}
		}
		if runErr != nil {
			stop()
		}
	}
	<-readDone
	if runErr == nil && readErr != nil && !errors.Is(readErr, context.Canceled) {
		runErr = readErr
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = ctx.Err()
	}
	if runErr != nil {
		return p, n.stoppedError(runErr, j, p)
	}
	if err := out.close(); err != nil {
		return p, err
	}
	p.InBytes = counter.n.Load()
	os.Remove(j.Out + queryStateSuffix)
	return p, nil
}

// stoppedError explains where a stopped run left the results: how many
// rows are written, that they are kept, and how to go on.
func (n *Side) stoppedError(err error, j QueryJob, p QueryProgress) error {
	if errors.Is(err, context.Canceled) || (errs.Is(err, errs.Invalid) && p.Chunks == 0) {
		return err
	}
	reason := i18n.T(errs.Message(err, i18n.ZH), errs.Message(err, i18n.EN))
	kind := errs.KindOf(err)
	if kind == errs.Internal {
		kind = errs.Unavailable
	}
	if errs.Is(err, errs.ResourceExhausted) {
		return &errs.Error{Kind: errs.ResourceExhausted, Field: "quota", Err: err, Reason: i18n.T(
			fmt.Sprintf("额度或订单的遍历限制已用尽，已在块边界停止：已写入 %d 行（%d 块，查得 %d 行，计费 %d 分），结果保留在 %s；充值（或待限制恢复）后重新运行同一命令即从第 %d 块继续（%s）",
				p.Rows, p.Chunks, p.Matched, p.ChargeFen, j.Out, p.Chunks+1, reason.ZH),
			fmt.Sprintf("the quota or the order's traversal limit ran out; stopped at a chunk boundary: %d rows written (%d chunks, %d matched, %d fen charged), kept in %s; top up (or wait for the limit) and run the same command again to continue from chunk %d (%s)",
				p.Rows, p.Chunks, p.Matched, p.ChargeFen, j.Out, p.Chunks+1, reason.EN))}
	}
	return &errs.Error{Kind: kind, Err: err, Reason: i18n.T(
		fmt.Sprintf("%s；已写入 %d 行（%d 块），结果保留在 %s，重新运行同一命令即可续传", reason.ZH, p.Rows, p.Chunks, j.Out),
		fmt.Sprintf("%s; %d rows written (%d chunks), kept in %s; run the same command again to resume", reason.EN, p.Rows, p.Chunks, j.Out))}
}

// readChunks cuts the input into chunks, checking each key as it reads.
func (n *Side) readChunks(ctx context.Context, rd *scan.Reader, j QueryJob, col, size int, seq int64, row int, work chan<- *queryChunk) error {
	for {
		c := &queryChunk{seq: seq, first: row + 1, keys: make([]string, 0, min(size, 1<<16))}
		if j.Translate == nil {
			c.ids = make([]exid.ExID, 0, cap(c.keys))
		}
		for len(c.keys) < size {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return inputError(j.In, err)
			}
			row++
			key := strings.TrimSpace(rec[col])
			id, err := checkKey(key, j.Translate != nil, j.Normalize, j.In, j.Column, rd.Row())
			if err != nil {
				return err
			}
			if j.Translate == nil {
				c.ids = append(c.ids, id)
			}
			c.keys = append(c.keys, key)
			if j.Translate != nil {
				c.lines = append(c.lines, rd.Row())
			}
		}
		if len(c.keys) == 0 {
			return nil
		}
		select {
		case work <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
	}
}

// translateBatch is how many raw IDs one issuance request carries.
const translateBatch = 2000

// translateKeys turns the raw IDs keys, read from file lines of file's
// column, into exIDs through the platform, translateBatch at a time; a
// rejected one is named by its line.
func translateKeys(ctx context.Context, translate func(context.Context, []string) ([]exid.Result, error), keys []string, lines []int, file, column string) ([]exid.ExID, error) {
	ids := make([]exid.ExID, 0, len(keys))
	for lo := 0; lo < len(keys); lo += translateBatch {
		hi := min(lo+translateBatch, len(keys))
		res, err := translate(ctx, keys[lo:hi])
		if err != nil {
			return nil, err
		}
		for i, r := range res {
			if r.Err != nil {
				return nil, inputError(file, errs.InCell(r.Err, column, lines[lo+i], "原始标识无效", "invalid raw ID"))
			}
			ids = append(ids, r.ExID)
		}
	}
	return ids, nil
}

// checkKey checks one key cell at a file line before anything is sent:
// an exID (returned), or with translate a raw ID that normalize accepts.
func checkKey(key string, translate bool, normalize func(string) error, file, column string, line int) (exid.ExID, error) {
	if !translate {
		id, err := exid.Parse(key)
		if err != nil {
			return id, inputError(file, errs.InCell(err, column, line, "exID 无效", "invalid exID"))
		}
		return id, nil
	}
	if normalize != nil {
		if err := normalize(key); err != nil {
			return exid.ExID{}, inputError(file, errs.InCell(err, column, line, "原始标识无效", "invalid raw ID"))
		}
	}
	return exid.ExID{}, nil
}

// queryChunk translates a chunk's raw IDs if need be and delivers it.
func (n *Side) queryChunk(ctx context.Context, j QueryJob, p *node.OrderPeer, peerKey *ecdh.PublicKey, batch string, c *queryChunk) (*chunkResult, error) {
	if j.Translate != nil {
		ids, err := translateKeys(ctx, j.Translate, c.keys, c.lines, j.In, j.Column)
		if err != nil {
			return nil, err
		}
		c.ids = ids
	}
	return n.deliverChunk(ctx, p, peerKey, batch+"/"+strconv.FormatInt(c.seq, 10), c.ids, []string{j.Out}, j.KeyType)
}

// formatChunk renders a chunk's rows as they go to the results (key,
// matched, values, quoted as encoding/csv would) and its keys as they go to
// the rows' hash, each followed by a newline. Workers format their chunks
// in parallel, leaving the writer, which takes the chunks one by one in
// input order, only the writes; the chunk's keys and values are dropped.
func formatChunk(c *queryChunk, ncol int, raw bool) {
	size := 0
	for _, k := range c.keys {
		size += len(k) + 1
	}
	c.hashed = make([]byte, 0, size)
	for _, k := range c.keys {
		c.hashed = append(append(c.hashed, k...), '\n')
	}
	line := make([]byte, 0, size+len(c.keys)*(2+ncol*8))
	for i, k := range c.keys {
		if c.ids != nil && !raw {
			// The key parsed as an exID: letters and digits, nothing
			// to quote.
			line = append(line, k...)
		} else {
			line = appendField(line, k)
		}
		vals := c.res.values[i]
		if !c.res.asked(i) {
			line = append(line, ",-"...)
			for range ncol {
				line = append(line, ',')
			}
		} else if vals == nil {
			line = append(line, ",0"...)
			for range ncol {
				line = append(line, ',')
			}
		} else {
			line = append(line, ",1"...)
			for _, v := range vals {
				line = appendField(append(line, ','), v)
			}
		}
		line = append(line, '\n')
	}
	c.text, c.rows = line, len(c.keys)
	c.keys, c.ids, c.res.values, c.res.sent = nil, nil, nil, nil
}

// appendField appends a CSV field, quoted when it holds a separator, a
// quote, a line break or leading space (RFC 4180, as encoding/csv).
func appendField(b []byte, f string) []byte {
	var quote bool
	switch {
	case f == "":
	case f[0] < utf8.RuneSelf:
		// ASCII first, the common case, without decoding a rune.
		quote = f == `\.` || asciiSpace[f[0]]
	default:
		r, _ := utf8.DecodeRuneInString(f)
		quote = unicode.IsSpace(r)
	}
	for i := 0; i < len(f) && !quote; i++ {
		quote = csvSpecial[f[i]]
	}
	if !quote {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f[i])
	}
	return append(b, '"')
}

// csvSpecial marks the bytes that make a field quoted.
var csvSpecial = [256]bool{',': true, '"': true, '\r': true, '\n': true}

// asciiSpace marks the ASCII characters unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// results is the results file, cut back to the last chunk written on a
// resume.
type results struct {
	f   *os.File
	buf *bufio.Writer
}

// writeRecord writes one CSV record.
func (r *results) writeRecord(fields []string) error {
	var line []byte
	for i, f := range fields {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendField(line, f)
	}
	_, err := r.buf.Write(append(line, '\n'))
	return err
}

func openResults(path string, at int64, resume bool) (*results, error) {
	f, err := exid.OpenResumable(path, at, resume)
	if err != nil {
		return nil, err
	}
	return &results{f: f, buf: bufio.NewWriterSize(f, 1<<20)}, nil
}

// sync makes what is written durable and returns the file's size.
func (r *results) sync() (int64, error) {
	if err := r.buf.Flush(); err != nil {
		return 0, err
	}
	if err := r.f.Sync(); err != nil {
		return 0, err
	}
	return r.f.Seek(0, io.SeekCurrent)
}

func (r *results) close() error {
	_, err := r.sync()
	return errors.Join(err, r.f.Close())
}

// saveQueryState syncs the results and records how far they go.
func (n *Side) saveQueryState(out string, r *results, st *queryState, h hash.Hash) error {
	var err error
	if st.OutBytes, err = r.sync(); err != nil {
		return err
	}
	st.RowsHash = hex.EncodeToString(h.Sum(nil))
	b, _ := json.Marshal(st)
	tmp := out + queryStateSuffix + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, out+queryStateSuffix)
}
