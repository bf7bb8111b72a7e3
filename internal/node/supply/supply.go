package supply

import (
	"cmp"
	"context"
	"crypto/ecdh"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/node/colstore"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
)

// A supplier node answers from memory: per dataset version, the rows'
// exIDs and dictionary-coded values (datasetData); per order over it, the
// token index (orderContext). Both are built on the first request and
// rebuilt when a new import makes another version current.

// datasetData is one dataset version held in memory, shared by every order
// that answers from it.
type datasetData struct {
	versionID      int64
	name           string
	subject        catalog.SubjectKind
	columns        []string // column names, the order of Cols
	tagKeys        []string // the listing's tag keys, same order; nil for old versions
	*colstore.Data          // its exIDs in order and its columns
	// excluded marks rows left out of every answer; it is replaced as a
	// whole when the exclusions change, so a reader sees one state.
	excluded atomic.Pointer[bitset]
	exclGen  atomic.Int64 // the exclusions generation excluded reflects
	exclMu   sync.Mutex   // serialises refreshes of excluded
	// consents are, by purpose, the rows the consent ledger lets the node
	// provide to a third party (consent.go).
	consentMu sync.Mutex
	consents  map[string]*consentView
	report    []byte // the version's signed gate report, for the gate over consented rows
	gateOnce  sync.Once
	gate      *consentGate
	// exclGates are, by purpose ("" without the consent ledger), the gate
	// over the rows left once exclusions are taken out (exclgate.go).
	exclGateMu sync.Mutex
	exclGates  map[string]*exclGate
	fullOnce   sync.Once
	full       gateCounts // every row's counts, for the gate without the ledger
}

// bitset is a set of rows; rows lists them, when the set was built from
// few (exclusions), so that they can be walked without scanning words.
type bitset struct {
	words []uint64
	rows  []uint32
}

func (b *bitset) has(i uint32) bool {
	return b != nil && int(i>>6) < len(b.words) && b.words[i>>6]&(1<<(i&63)) != 0
}

func (d *datasetData) isExcluded(row uint32) bool { return d.excluded.Load().has(row) }

// column resolves an order's tag key to the dataset's column: by the
// listing's tag key, or, for versions imported before tag keys were kept,
// by column name.
func (d *datasetData) column(key string) (int, bool) {
	if i := slices.Index(d.tagKeys, key); i >= 0 {
		return i, true
	}
	if d.tagKeys == nil {
		if i := slices.Index(d.columns, key); i >= 0 {
			return i, true
		}
	}
	return 0, false
}

// loadDatasetData reads version v into memory from the column store, with
// the exclusions in force. Sensitive columns are stored sealed (C-7) and
// opened here, a column at a time.
func (n *Side) loadDatasetData(ctx context.Context, v *nodestore.DatasetVersion) (*datasetData, error) {
	var data *colstore.Data
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		fields, err := grading.Ciphers(ctx, n.Node, tx, v)
		if err != nil {
			return err
		}
		data, err = colstore.Read(ctx, tx, v, fields)
		return err
	})
	if err != nil {
		return nil, err
	}
	return n.datasetOfData(ctx, v, data)
}

// datasetOfData is version v held in memory as data, with the exclusions
// in force.
func (n *Side) datasetOfData(ctx context.Context, v *nodestore.DatasetVersion, data *colstore.Data) (*datasetData, error) {
	d := &datasetData{versionID: v.ID, name: v.Dataset, subject: catalog.SubjectKind(v.Subject), columns: v.Columns, tagKeys: v.TagKeys,
		Data: data, report: v.GateReport}
	var exclusions [][]byte
	var gen int64
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if gen, err = tx.ExclusionsGen(ctx); err != nil {
			return err
		}
		exclusions, err = tx.Exclusions(ctx, v.Dataset)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.excluded.Store(d.exclusionSet(exclusions))
	d.exclGen.Store(gen)
	return d, nil
}

// Warm loads the current version of each dataset that may answer (it
// passed the gate, in a region the node may use) ahead of the first
// request, and keeps it: an order's first batch then pays for its own
// tokens and index only, as later batches pay for nothing of the kind. A
// version no longer current is let go once no order answers from it. The
// node's server calls it on start and every maintenance period (a minute
// by default), so a version imported by another process is loaded soon
// after.
//
// What it keeps is bounded by the memory for datasets (SetMemory): the
// versions imported last (highest ID) are kept first, and one that does
// not fit beside them is loaded on its first request instead and let go
// when no order answers from it.
func (n *Side) Warm(ctx context.Context) error {
	var vs []*nodestore.DatasetVersion
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { vs, err = tx.Datasets(ctx); return err }); err != nil {
		return err
	}
	var ready []*nodestore.DatasetVersion
	for _, v := range vs {
		if v.GatePass && n.CheckRegion(catalog.SubjectKind(v.Subject)) == nil {
			ready = append(ready, v)
		}
	}
	slices.SortFunc(ready, func(a, b *nodestore.DatasetVersion) int { return cmp.Compare(b.ID, a.ID) }) // newest first
	s := n.cache
	s.mu.Lock()
	ids := make([]int64, len(ready))
	byID := map[int64]*nodestore.DatasetVersion{}
	for i, v := range ready {
		ids[i], byID[v.ID] = v.ID, v
	}
	current, left := s.newestThatFit(ids, func(id int64) int {
		if d := s.datasets[id]; d != nil {
			return d.Bytes()
		}
		return estimateBytes(byID[id])
	})
	ready = ready[:0]
	for _, id := range ids {
		v := byID[id]
		if current[id] {
			ready = append(ready, v)
		} else if !s.leftCold[id] { // said once, not every period
			n.Logger().Info("a current dataset version is loaded on its first request: it does not fit the memory for datasets beside newer ones",
				"dataset", v.Dataset, "version", v.Version, "bytes", estimateBytes(v), "budget", s.warmBudget)
		}
	}
	s.current, s.leftCold = current, left
	s.dropUnused()
	s.mu.Unlock()
	var errList []error
	for _, v := range ready {
		if _, err := n.datasetFor(ctx, v); err != nil {
			errList = append(errList, err)
		}
	}
	return errors.Join(errList...)
}

// keep holds data, just built by an import in this process, as version
// v's: the process that built a version need not read it back.
func (n *Side) keep(ctx context.Context, v *nodestore.DatasetVersion, data *colstore.Data) error {
	d, err := n.datasetOfData(ctx, v, data)
	if err != nil {
		return err
	}
	s := n.cache
	s.mu.Lock()
	defer s.mu.Unlock()
	// It is the dataset's current version now: the one before it is no
	// longer kept for its own sake. It is kept unless it alone is beyond
	// the memory for datasets (then it is loaded on its first request),
	// and the others stay, newest (highest ID) first, as long as they fit
	// beside it.
	ids := []int64{v.ID}
	for id := range s.current {
		if old := s.datasets[id]; id != v.ID && (old == nil || old.name != v.Dataset) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	current, _ := s.newestThatFit(ids, func(id int64) int {
		if id == v.ID {
			return d.Bytes()
		}
		if old := s.datasets[id]; old != nil {
			return old.Bytes()
		}
		return 0 // not loaded yet: Warm's next round weighs it
	})
	if current[v.ID] && s.datasets[v.ID] == nil && s.loading[v.ID] == nil {
		s.datasets[v.ID] = d
	}
	s.current = current
	s.dropUnused()
	return nil
}

// newestThatFit takes the versions ids, sorted newest (highest ID) first,
// while their sizes fit the memory for datasets beside those taken before
// them, and returns those taken and those left. The caller holds s.mu.
func (s *supplier) newestThatFit(ids []int64, size func(id int64) int) (taken, left map[int64]bool) {
	taken, left = map[int64]bool{}, map[int64]bool{}
	total := 0
	for _, id := range ids {
		if sz := size(id); total+sz <= s.warmBudget {
			taken[id] = true
			total += sz
		} else {
			left[id] = true
		}
	}
	return taken, left
}

// estimateBytes is the memory version v takes loaded, before it is: its
// exIDs and a code a column per row (most columns have fewer than 256
// values).
func estimateBytes(v *nodestore.DatasetVersion) int {
	return int(v.Rows) * (exid.Size + len(v.Columns))
}

// exclusionSet marks the rows of the excluded exIDs (ids is sorted).
func (d *datasetData) exclusionSet(excluded [][]byte) *bitset {
	b := &bitset{words: make([]uint64, (len(d.IDs)+63)/64)}
	for _, raw := range excluded {
		if len(raw) != exid.Size {
			continue
		}
		id := exid.ExID(raw)
		if i, ok := d.Find(id); ok && !b.has(uint32(i)) {
			b.words[i>>6] |= 1 << (uint(i) & 63)
			b.rows = append(b.rows, uint32(i))
		}
	}
	return b
}

// refreshExclusions brings d's exclusions up to generation gen.
func (n *Side) refreshExclusions(ctx context.Context, d *datasetData, gen int64) error {
	d.exclMu.Lock()
	defer d.exclMu.Unlock()
	if d.exclGen.Load() >= gen {
		return nil
	}
	var excluded [][]byte
	var now int64
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if now, err = tx.ExclusionsGen(ctx); err != nil {
			return err
		}
		excluded, err = tx.Exclusions(ctx, d.name)
		return err
	})
	if err != nil {
		return err
	}
	d.excluded.Store(d.exclusionSet(excluded))
	d.exclGen.Store(now)
	return nil
}

// orderContext is one order's token index over one dataset version.
type orderContext struct {
	key   string
	data  *datasetData
	index *tokenindex.Index
	// refs counts answers using the context; a retired context releases
	// its index when the last one is done.
	refs    int
	retired bool
	used    time.Time
}

// supplier is the node's answering state.
type supplier struct {
	mu         sync.Mutex
	datasets   map[int64]*datasetData   // by version ID
	orders     map[string]*orderContext // by order ID (the current context)
	building   map[string]*build        // contexts being built, by key
	loading    map[int64]*load          // dataset versions being loaded
	current    map[int64]bool           // versions Warm keeps loaded: current and able to answer
	budget     int                      // bytes of indexes kept before the least recently used are dropped
	warmBudget int                      // bytes of dataset versions Warm keeps loaded (current)
	leftCold   map[int64]bool           // current versions Warm left to their first request, for lack of room
	answers    *answerCache
	// rectifyMu serialises runs of Rectify in the process: the sweep's
	// and a staff member's would otherwise both name the same rows.
	rectifyMu sync.Mutex
}

type build struct {
	done chan struct{}
	oc   *orderContext
	err  error
}

type load struct {
	done chan struct{}
	d    *datasetData
	err  error
}

// DefaultIndexBudget is the memory for order indexes a node keeps before
// it releases the least recently used: about nine indexes of 10 million
// rows. An index larger than it is still built, and kept while it is the
// only one.
const DefaultIndexBudget = 2 << 30

// DefaultDatasetBudget is the memory for the dataset versions Warm keeps
// loaded ahead of requests: about 400 million rows with two columns.
const DefaultDatasetBudget = 8 << 30

// SetMemory sets what the supplier's side keeps in memory: indexes bytes
// of orders' token indexes (DefaultIndexBudget), and datasets bytes of
// dataset versions kept loaded ahead of requests (DefaultDatasetBudget).
// Zero keeps the default. It is set before the node serves.
func (n *Side) SetMemory(indexes, datasets int64) {
	s := n.cache
	s.mu.Lock()
	defer s.mu.Unlock()
	if indexes > 0 {
		s.budget = int(indexes)
	}
	if datasets > 0 {
		s.warmBudget = int(datasets)
	}
}

func newSupplier() *supplier {
	return &supplier{
		datasets:   map[int64]*datasetData{},
		orders:     map[string]*orderContext{},
		building:   map[string]*build{},
		loading:    map[int64]*load{},
		budget:     DefaultIndexBudget,
		warmBudget: DefaultDatasetBudget,
		answers:    newAnswerCache(DefaultAnswerCacheBytes, DefaultAnswerCacheTTL),
	}
}

// contextKey names an order's context: the order, the version it answers
// from and the demander key its tokens are derived with.
func contextKey(orderID string, versionID int64, demander []byte) string {
	return fmt.Sprintf("%s\x00%d\x00%x", orderID, versionID, demander)
}

// acquire returns the order's context over version v, building it (and the
// version's data) if needed; the caller calls release when done with it.
func (n *Side) acquire(ctx context.Context, orderID string, v *nodestore.DatasetVersion, demander *ecdh.PublicKey) (*orderContext, error) {
	s := n.cache
	key := contextKey(orderID, v.ID, demander.Bytes())
	for {
		s.mu.Lock()
		if oc := s.orders[orderID]; oc != nil && oc.key == key {
			oc.refs++
			oc.used = n.Now()
			s.mu.Unlock()
			return oc, nil
		}
		if b := s.building[key]; b != nil {
			s.mu.Unlock()
			select {
			case <-b.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if b.err != nil {
				return nil, b.err
			}
			continue // take it from the map, or build again if already swapped out
		}
		b := &build{done: make(chan struct{})}
		s.building[key] = b
		s.mu.Unlock()

		b.oc, b.err = n.buildContext(ctx, key, orderID, v, demander)
		s.mu.Lock()
		delete(s.building, key)
		if b.err == nil {
			if old := s.orders[orderID]; old != nil {
				s.retire(old)
			}
			s.orders[orderID] = b.oc
			b.oc.refs++
			b.oc.used = n.Now()
			s.evict()
		}
		s.mu.Unlock()
		close(b.done)
		return b.oc, b.err
	}
}

// close retires every context: their indexes are released as soon as
// the answers using them end.
func (s *supplier) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, oc := range s.orders {
		s.retire(oc)
	}
}

// release ends one use of oc.
func (s *supplier) release(oc *orderContext) {
	s.mu.Lock()
	defer s.mu.Unlock()
	oc.refs--
	if oc.retired && oc.refs == 0 {
		oc.index.Release()
	}
}

// retire takes oc out of service; its index is released once unused. The
// caller holds s.mu.
func (s *supplier) retire(oc *orderContext) {
	if s.orders[orderKeyOf(oc)] == oc {
		delete(s.orders, orderKeyOf(oc))
	}
	oc.retired = true
	if oc.refs == 0 {
		oc.index.Release()
	}
	s.dropUnused()
}

func orderKeyOf(oc *orderContext) string {
	for i := 0; i < len(oc.key); i++ {
		if oc.key[i] == 0 {
			return oc.key[:i]
		}
	}
	return oc.key
}

// evict retires the least recently used contexts while the indexes exceed
// the budget, never the one just added. The caller holds s.mu.
func (s *supplier) evict() {
	for s.indexBytes() > s.budget && len(s.orders) > 1 {
		var lru *orderContext
		for _, oc := range s.orders {
			if lru == nil || oc.used.Before(lru.used) {
				lru = oc
			}
		}
		s.retire(lru)
	}
}

// indexBytes is the memory of the indexes kept, which the budget bounds.
// The caller holds s.mu.
func (s *supplier) indexBytes() int {
	total := 0
	for _, oc := range s.orders {
		total += oc.index.Bytes()
	}
	return total
}

// dropUnused forgets dataset data no context uses, but for the current
// versions Warm keeps. The caller holds s.mu.
func (s *supplier) dropUnused() {
	used := map[int64]bool{}
	for _, oc := range s.orders {
		used[oc.data.versionID] = true
	}
	for id := range s.datasets {
		if !used[id] && !s.current[id] {
			delete(s.datasets, id)
		}
	}
}

// datasetFor returns version v's data, loading it once however many
// orders ask at the same time.
func (n *Side) datasetFor(ctx context.Context, v *nodestore.DatasetVersion) (*datasetData, error) {
	s := n.cache
	for {
		s.mu.Lock()
		if d := s.datasets[v.ID]; d != nil {
			s.mu.Unlock()
			return d, nil
		}
		if l := s.loading[v.ID]; l != nil {
			s.mu.Unlock()
			select {
			case <-l.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if l.err != nil {
				return nil, l.err
			}
			return l.d, nil
		}
		l := &load{done: make(chan struct{})}
		s.loading[v.ID] = l
		s.mu.Unlock()
		start := time.Now()
		l.d, l.err = n.loadDatasetData(ctx, v)
		s.mu.Lock()
		delete(s.loading, v.ID)
		if l.err == nil {
			s.datasets[v.ID] = l.d
		}
		s.mu.Unlock()
		close(l.done)
		if l.err == nil {
			n.Logger().Info("loaded a dataset version for answering", "dataset", v.Dataset, "version", v.Version, "rows", len(l.d.IDs), "bytes", l.d.Bytes(), "took", time.Since(start))
		}
		return l.d, l.err
	}
}

// buildContext computes the tokens of every row not excluded for the
// order and indexes them.
func (n *Side) buildContext(ctx context.Context, key, orderID string, v *nodestore.DatasetVersion, demander *ecdh.PublicKey) (*orderContext, error) {
	d, err := n.datasetFor(ctx, v)
	if err != nil {
		return nil, err
	}
	k, err := ordertoken.DeriveFor(n.Digest(), n.Keys.X25519, demander, orderID)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	start := time.Now()
	ix, err := d.index(k)
	if err != nil {
		return nil, err
	}
	n.Logger().Info("built an order's token index", "order", orderID, "dataset", v.Dataset, "version", v.Version, "rows", ix.Len(), "bytes", ix.Bytes(), "took", time.Since(start))
	return &orderContext{key: key, data: d, index: ix}, nil
}

// index computes the order's tokens of every row not excluded and indexes
// them by row.
func (d *datasetData) index(k ordertoken.Key) (*tokenindex.Index, error) {
	ex := d.excluded.Load()
	ids := d.IDs
	var refs []uint32
	if ex != nil && slices.ContainsFunc(ex.words, func(w uint64) bool { return w != 0 }) {
		ids = make([]exid.ExID, 0, len(d.IDs))
		refs = make([]uint32, 0, len(d.IDs))
		for i := range d.IDs {
			if !ex.has(uint32(i)) {
				ids = append(ids, d.IDs[i])
				refs = append(refs, uint32(i))
			}
		}
	}
	tokens := make([]ordertoken.Token, len(ids))
	k.Tokens(ids, tokens)
	return tokenindex.Build(tokens, refs)
}

// lookup answers tokens (16 bytes each) from oc: the distinct matched
// tokens not excluded and, with allow, allowed, in ascending order, with
// their rows.
func (oc *orderContext) lookup(tokens []ordertoken.Token, allow *bitset) []tokenindex.Match {
	var hits []tokenindex.Hit
	if len(tokens) >= 1<<15 {
		hits = oc.index.Join(tokens)
	} else {
		hits = oc.index.Probe(tokens, nil)
	}
	ms := make([]tokenindex.Match, 0, len(hits))
	for _, h := range hits {
		if oc.data.isExcluded(h.Ref) || (allow != nil && !allow.has(h.Ref)) {
			continue
		}
		hi, lo := tokenindex.Halves(tokens[h.Query][:])
		ms = append(ms, tokenindex.Match{Hi: hi, Lo: lo, Ref: h.Ref})
	}
	ms = tokenindex.SortMatches(ms)
	// A token asked twice is answered once.
	return slices.CompactFunc(ms, func(a, b tokenindex.Match) bool { return a.Hi == b.Hi && a.Lo == b.Lo })
}

// maxBoundPerMatch is the widest match encodeAnswer sizes its buffer for
// without measuring each match.
const maxBoundPerMatch = 160

// encodeAnswer writes the answer's plaintext (docs/delivery-crypto.md) for
// matches with the values of cols, straight from the dictionaries.
func (d *datasetData) encodeAnswer(ms []tokenindex.Match, cols []int) []byte {
	// An upper bound from the widest values: reading each match's values
	// twice cost a cache miss per value, as the rows come in token order.
	// Where a wide value would make the bound wasteful, the exact size.
	per := ordertoken.TokenSize + binary.MaxVarintLen64
	for _, c := range cols {
		per += d.Cols[c].Widest
	}
	size := 1 + binary.MaxVarintLen64 + len(ms)*per
	if per > maxBoundPerMatch {
		size = 1 + binary.MaxVarintLen64
		for _, m := range ms {
			size += ordertoken.TokenSize + binary.MaxVarintLen64
			for _, c := range cols {
				size += len(d.Cols[c].Value(int(m.Ref)))
			}
		}
	}
	b := make([]byte, 0, size)
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = binary.BigEndian.AppendUint64(b, m.Hi)
		b = binary.BigEndian.AppendUint64(b, m.Lo)
		b = binary.AppendUvarint(b, uint64(len(cols)))
		for _, c := range cols {
			b = append(b, d.Cols[c].Value(int(m.Ref))...)
		}
	}
	return b
}

// errNoColumn names a licensed column the dataset does not have.
func errNoColumn(key string) error {
	return errs.New(errs.FailedPrecondition, "columns", "本节点的数据集没有订单许可的标签列："+key+"（请导入包含该列的数据集版本）",
		"this node's dataset has no column for the licensed tag "+key+" (import a version with it)")
}
