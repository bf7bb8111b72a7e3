package console

import (
	"net/http"

	"hulian/internal/errs"
)

func (c *console) notFound(w http.ResponseWriter, r *http.Request) error {
	return errs.New(errs.NotFound, "", "找不到该页面", "there is no such page")
}
