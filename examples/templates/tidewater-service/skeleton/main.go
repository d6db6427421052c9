// Command ${{ values.name }} is a Tidewater Ferries service.
package main

import (
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	log.Println("${{ values.name }} listening on :${{ values.port }}")
	log.Fatal(http.ListenAndServe(":${{ values.port }}", mux))
}
