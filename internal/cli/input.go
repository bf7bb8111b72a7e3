package cli

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"sync/atomic"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// inputFile is a data file opened for streaming: gzip-compressed files
// (recognised by their first bytes, whatever their name) are decompressed
// as they are read, and the bytes read from disk are counted for progress.
type inputFile struct {
	io.Reader
	f    *os.File
	read atomic.Int64 // bytes read from the file (compressed bytes for gzip)
	size int64
}

func (in *inputFile) countRead(p []byte) (int, error) {
	n, err := in.f.Read(p)
	in.read.Add(int64(n))
	return n, err
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// openDataFile opens path, named by the flag field, for streaming.
func openDataFile(field, path string) (*inputFile, error) {
	f, err := scanOpenFile(path)
	if err != nil {
		return nil, err
	}
	in := &inputFile{f: f, size: -1}
	if st, err := f.Stat(); err == nil {
		in.size = st.Size()
	}
	br := bufio.NewReaderSize(readFunc(in.countRead), 1<<16)
	magic, _ := br.Peek(2)
	in.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, errs.Invalidf(field, "不是有效的 gzip 文件："+path, "not a valid gzip file: "+path)
		}
		in.Reader = &gzipErrors{gz, field}
	}
	return in, nil
}

func (in *inputFile) Close() error { return in.f.Close() }

// gzipErrors names the file when its compressed stream is broken part way.
type gzipErrors struct {
	r     *gzip.Reader
	field string
}

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &errs.Error{Kind: errs.Invalid, Field: g.field, Reason: i18n.T("gzip 压缩数据损坏或不完整", "the gzip data is corrupt or cut short"), Err: err}
	}
	return n, err
}
