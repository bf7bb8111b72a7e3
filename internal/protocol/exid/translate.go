package exid

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
)

// Evaluator is the platform's half of exID generation as the member sees
// it: blinded elements in, evaluated elements and one batched proof out.
type Evaluator interface {
	Evaluate(ctx context.Context, epoch int, blinded [][]byte) (evaluated [][]byte, proof []byte, err error)
}

// Translator is the member's half (DESIGN.md protocol steps 1–2): it
// normalises raw IDs, blinds them, has the platform evaluate them, checks
// the platform's proof against the published key of the epoch and
// finalises. Raw IDs never leave the member: only blinded elements do,
// which are uniformly random group elements to anyone without the blinds.
type Translator struct {
	Eval  Evaluator
	Epoch int            // the epoch whose key Key is
	Key   oprf.PublicKey // the platform's published key for Epoch, pinned
	Type  ident.Type
}

// Result is one translated ID: its exID, or why the raw ID was rejected.
type Result struct {
	ExID ExID
	Err  error // an *errs.Error of kind Invalid from normalisation
}

// ErrProof is returned when the platform's answer does not verify against
// its published key: the platform (or someone in between) used another key,
// and nothing it returned may be used.
var ErrProof = &errs.Error{Kind: errs.Unavailable, Field: "proof",
	Reason: i18n.T("平台的证明无法用已发布的公钥验证：签发结果不可信，已中止", "the platform's proof does not verify against its published key: the evaluations cannot be trusted; aborted")}

// Translate translates one batch of raw IDs with one platform request.
// Rows that fail normalisation get their error and are not sent; if none
// is valid, no request is made.
func (t *Translator) Translate(ctx context.Context, raw []string) ([]Result, error) {
	res := make([]Result, len(raw))
	b := newBatch(len(raw))
	for i, r := range raw {
		c, err := ident.Normalize(t.Type, r)
		if err != nil {
			res[i].Err = err
			continue
		}
		b.add(i, ident.Input(t.Type, c))
	}
	if err := t.run(ctx, b); err != nil {
		return nil, err
	}
	for j, i := range b.index {
		res[i].ExID = b.out[j]
	}
	return res, nil
}

// batch is the work of one platform request.
type batch struct {
	index   []int // position of each valid input in the caller's rows
	inputs  [][]byte
	blinds  []oprf.Scalar
	blinded []oprf.Element
	out     []ExID
}

func newBatch(n int) *batch {
	return &batch{index: make([]int, 0, n), inputs: make([][]byte, 0, n)}
}

func (b *batch) add(i int, input []byte) {
	b.index = append(b.index, i)
	b.inputs = append(b.inputs, input)
}

// run blinds, evaluates, verifies and finalises a batch.
func (t *Translator) run(ctx context.Context, b *batch) error {
	n := len(b.inputs)
	if n == 0 {
		return nil
	}
	b.blinds, b.blinded = make([]oprf.Scalar, n), make([]oprf.Element, n)
	wire := make([][]byte, n)
	for i, in := range b.inputs {
		var err error
		if b.blinds[i], b.blinded[i], err = oprf.Blind(in, rand.Reader); err != nil {
			return err
		}
		wire[i], _ = b.blinded[i].MarshalBinary()
	}
	evalWire, proofWire, err := t.Eval.Evaluate(ctx, t.Epoch, wire)
	if err != nil {
		return err
	}
	if len(evalWire) != n {
		return ErrProof
	}
	evaluated := make([]oprf.Element, n)
	for i, e := range evalWire {
		if evaluated[i].UnmarshalBinary(e) != nil {
			return ErrProof
		}
	}
	var proof oprf.Proof
	if proof.UnmarshalBinary(proofWire) != nil {
		return ErrProof
	}
	outs, err := oprf.VerifyAndFinalize(t.Key, b.inputs, b.blinds, b.blinded, evaluated, proof)
	if err != nil {
		return ErrProof
	}
	b.out = make([]ExID, n)
	for i, o := range outs {
		b.out[i] = FromOutput(uint8(t.Epoch), o)
	}
	return nil
}

// parallel runs fn over jobs from in with workers goroutines, stopping at
// the first error.
func parallel[T any](ctx context.Context, workers int, in <-chan T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range in {
				if ctx.Err() != nil {
					continue // drain so the producer never blocks
				}
				if err := fn(ctx, job); err != nil {
					cancel(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}
