package forgetest

import (
	"net/http"
	"sync"
)

// FailFirst returns a fake forge's failure hook: the first n requests are
// answered by answer (a refusal, a server error), the rest go through.
func FailFirst(n int, answer func(w http.ResponseWriter)) func(w http.ResponseWriter) bool {
	var mu sync.Mutex
	return func(w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if n == 0 {
			return false
		}
		n--
		answer(w)
		return true
	}
}
