package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeThirdParty: `hulian node thirdparty assess` registers a party
// and prints its ID; `contract` refuses terms without the data's disposal
// and records full ones; `lists` then shows the party on the sharing list;
// `terminate` needs the disposal; `list` shows the state.
func TestNodeThirdParty(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	party, terms, partial := filepath.Join(dir, "party.json"), filepath.Join(dir, "terms.json"), filepath.Join(dir, "partial.json")
	os.WriteFile(party, []byte(`{"name":"云信短信服务有限公司","kind":"processor","purpose":"发送验证码","fields":["手机号"],"method":"接口调用","region":"CN-SH","assessment":"查验等级保护备案","assessment_passed":true}`), 0o600)
	os.WriteFile(terms, []byte(`{"purpose":"短信","scope":"手机号","ownership":"归本公司","security":"加密","confidentiality":"保密","liability":"赔偿","disposal":"终止后删除"}`), 0o600)
	os.WriteFile(partial, []byte(`{"purpose":"短信","scope":"手机号","ownership":"归本公司","security":"加密","confidentiality":"保密","liability":"赔偿"}`), 0o600)
	code, out, stderr := runWithStdin(t, "", "node", "thirdparty", "assess", "--db", db, "--file", party)
	if code != 0 || !strings.HasPrefix(out, "tp_") {
		t.Fatalf("assess: %d %q %q", code, out, stderr)
	}
	id := strings.Fields(out)[0]
	if code, _, stderr := runWithStdin(t, "", "node", "thirdparty", "contract", "--db", db, "--id", id, "--file", partial); code != 2 || !strings.Contains(stderr, "disposal") {
		t.Errorf("terms without disposal: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "thirdparty", "contract", "--db", db, "--id", id, "--file", terms); code != 0 {
		t.Fatalf("contract: %q", stderr)
	}
	if _, out, _ := runWithStdin(t, "", "node", "thirdparty", "lists", "--db", db); !strings.Contains(out, "云信短信服务有限公司") {
		t.Errorf("lists: %q", out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "thirdparty", "terminate", "--db", db, "--id", id, "--reason", "到期"); code != 2 || !strings.Contains(stderr, "--disposal") {
		t.Errorf("terminate without disposal: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "thirdparty", "terminate", "--db", db, "--id", id, "--reason", "到期", "--disposal", "已删除并出具证明"); code != 0 {
		t.Fatalf("terminate: %q", stderr)
	}
	if _, out, _ := runWithStdin(t, "", "node", "thirdparty", "list", "--db", db); !strings.Contains(out, "terminated") {
		t.Errorf("list: %q", out)
	}
}
