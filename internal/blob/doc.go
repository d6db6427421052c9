// Package blob stores objects by key in a bucket: a local directory or an
// S3-compatible object store (AWS S3, MinIO, R2, GCS interoperability)
// through minio-go. TechDocs publishes built sites into a bucket and
// serves them from it.
//
// Keys are slash-separated relative paths ("default/component/x/index.html").
// Every implementation refuses the same malformed keys (ValidKey), so a key
// that reaches a bucket can never name anything outside it. List uses S3's
// plain string-prefix semantics everywhere. A missing object is ErrNotFound.
//
// The conformance suite in blobtest holds the implementations to the same
// behaviour; it runs against the directory and, in process, against
// gofakes3.
package blob
