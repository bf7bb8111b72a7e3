package rpc

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"hulian/internal/errs"
)

// Credentials is an API token file: what `hulian token create --out` and
// `hulian demo` write, and what --credentials reads. Beside the secret it
// says what a person needs to know of it.
type Credentials struct {
	Token    string    `json:"token"`
	ID       string    `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Platform string    `json:"platform,omitempty"`
	Scopes   []string  `json:"scopes,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

// maxCredentials bounds what is read: a token file is a few hundred bytes.
const maxCredentials = 64 << 10

// ReadCredentials reads a token file: JSON Credentials, or the token alone
// on a line. loose reports that other users may read the file. Errors name
// the file and the operating system's reason.
func ReadCredentials(path string) (c *Credentials, loose bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, errs.Invalidf("", fmt.Sprintf("无法读取令牌文件 %s：%s", path, errs.OSReason(err)), fmt.Sprintf("cannot read the token file %s: %s", path, errs.OSReason(err)))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		loose = true
	}
	b, err := io.ReadAll(io.LimitReader(f, maxCredentials+1))
	if err != nil {
		return nil, loose, errs.Invalidf("", fmt.Sprintf("无法读取令牌文件 %s：%s", path, errs.OSReason(err)), fmt.Sprintf("cannot read the token file %s: %s", path, errs.OSReason(err)))
	}
	if len(b) > maxCredentials {
		return nil, loose, errs.Invalidf("", fmt.Sprintf("令牌文件 %s 过大，请确认文件正确", path), fmt.Sprintf("the token file %s is too large; is it the right file?", path))
	}
	s := strings.TrimSpace(string(b))
	c = &Credentials{Token: s}
	if strings.HasPrefix(s, "{") {
		c = &Credentials{}
		if err := json.Unmarshal([]byte(s), c); err != nil {
			return nil, loose, errs.Invalidf("", fmt.Sprintf("令牌文件 %s 不是有效的 JSON：%v", path, err), fmt.Sprintf("the token file %s is not valid JSON: %v", path, err))
		}
	}
	if !strings.HasPrefix(c.Token, "hlt_") {
		return nil, loose, errs.Invalidf("", fmt.Sprintf("令牌文件 %s 中没有 API 令牌（hlt_ 开头）", path), fmt.Sprintf("the token file %s holds no API token (starting hlt_)", path))
	}
	return c, loose, nil
}

// CreateCredentialsFile makes a new, empty token file at path, readable by
// its owner only. An existing file is never overwritten. Making the file
// first lets a caller refuse before it makes a token it could not keep.
func CreateCredentialsFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.Invalidf("", fmt.Sprintf("无法创建 %s：%s（不会覆盖已有文件）", path, errs.OSReason(err)), fmt.Sprintf("cannot create %s: %s (an existing file is never overwritten)", path, errs.OSReason(err)))
	}
	return f, nil
}

// WriteCredentialsTo writes c to f, made by CreateCredentialsFile, and
// closes it.
func WriteCredentialsTo(f *os.File, c *Credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err == nil {
		_, err = f.Write(append(b, '\n'))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.Invalidf("", fmt.Sprintf("写入 %s 失败：%s", f.Name(), errs.OSReason(err)), fmt.Sprintf("writing %s failed: %s", f.Name(), errs.OSReason(err)))
	}
	return nil
}

// WriteCredentials writes c to a new file at path, readable by its owner
// only. An existing file is never overwritten; nothing is left behind if
// the write fails.
func WriteCredentials(path string, c *Credentials) error {
	f, err := CreateCredentialsFile(path)
	if err != nil {
		return err
	}
	if err := WriteCredentialsTo(f, c); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
