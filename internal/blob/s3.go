package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// S3Options configure an S3-compatible bucket. They follow Backstage's
// techdocs.publisher.awsS3 settings.
type S3Options struct {
	// Bucket is the bucket's name (bucketName); required.
	Bucket string
	// RootPath is a key prefix inside the bucket (bucketRootPath); leading
	// and trailing slashes do not matter.
	RootPath string
	// Region is the bucket's region; empty asks the endpoint.
	Region string
	// Endpoint is the service URL, e.g. http://localhost:9000 for MinIO;
	// empty means AWS S3 over HTTPS.
	Endpoint string
	// ForcePathStyle addresses the bucket as a path (endpoint/bucket/key)
	// instead of a host name (s3ForcePathStyle), as MinIO and most
	// compatible stores need.
	ForcePathStyle bool
	// AccessKeyID and SecretAccessKey are static credentials, with an
	// optional SessionToken. Without them the AWS chain is used:
	// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, the shared
	// credentials file, then the instance or task role.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// SSE is server-side encryption for uploads: "" (the bucket's
	// default) or "AES256".
	SSE string
	// Transport carries the requests; http.DefaultTransport's settings
	// when nil.
	Transport http.RoundTripper
}

// S3 is a bucket in an S3-compatible object store.
type S3 struct {
	client *minio.Client
	bucket string
	root   string // "" or "prefix/"
	sse    encrypt.ServerSide
}

// NewS3 returns the bucket o describes. It does not contact the service.
func NewS3(o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("blob: S3 bucket name is required")
	}
	host, secure, err := s3Endpoint(o.Endpoint)
	if err != nil {
		return nil, err
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
	if o.AccessKeyID != "" || o.SecretAccessKey != "" {
		creds = credentials.NewStaticV4(o.AccessKeyID, o.SecretAccessKey, o.SessionToken)
	}
	lookup := minio.BucketLookupAuto
	if o.ForcePathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       o.Region,
		BucketLookup: lookup,
		Transport:    o.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client for %s: %w", host, err)
	}
	s := &S3{client: client, bucket: o.Bucket}
	if root := strings.Trim(o.RootPath, "/"); root != "" {
		if err := ValidKey(root); err != nil {
			return nil, fmt.Errorf("blob: S3 bucket root path: %w", err)
		}
		s.root = root + "/"
	}
	switch o.SSE {
	case "":
	case "AES256":
		s.sse = encrypt.NewSSE()
	default:
		return nil, fmt.Errorf("blob: S3 server-side encryption %q is not supported (use AES256 or leave it unset)", o.SSE)
	}
	return s, nil
}

// s3Endpoint splits an endpoint URL into minio's host and TLS flag. A bare
// host means HTTPS.
func s3Endpoint(endpoint string) (host string, secure bool, err error) {
	if endpoint == "" {
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(endpoint, "://") {
		return endpoint, true, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, fmt.Errorf("blob: S3 endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, fmt.Errorf("blob: S3 endpoint %q must be http(s)://host[:port]", endpoint)
	}
	return u.Host, u.Scheme == "https", nil
}

// Bucket names the bucket and root path, for messages.
func (s *S3) String() string { return "s3://" + s.bucket + "/" + s.root }

// Get reads an object; the first response tells whether it exists.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.root+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.fail("get", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s.fail("get", key, err)
	}
	return obj, Info{Key: key, Size: st.Size, ModTime: st.LastModified, ETag: quoteETag(st.ETag)}, nil
}

// Put uploads r, with a content type from the key's extension so the
// bucket can also be served directly.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if size < 0 {
		// A stream of unknown length goes up in chunks with a streaming
		// signature; small ones are read whole and sent in one request,
		// which every S3-compatible store takes.
		head, err := io.ReadAll(io.LimitReader(r, maxBufferedPut+1))
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		if len(head) <= maxBufferedPut {
			r, size = bytes.NewReader(head), int64(len(head))
		} else {
			r = io.MultiReader(bytes.NewReader(head), r)
		}
	}
	ctype := mime.TypeByExtension(path.Ext(key))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	// Over plain HTTP minio-go signs the body in aws-chunked form; an
	// empty body would then go without a Content-Length, which S3 refuses,
	// so an empty object is sent unsigned instead.
	_, err := s.client.PutObject(ctx, s.bucket, s.root+key, r, size, minio.PutObjectOptions{
		ContentType:          ctype,
		ServerSideEncryption: s.sse,
		DisableContentSha256: size == 0,
	})
	if err != nil {
		return s.fail("put", key, err)
	}
	return nil
}

// maxBufferedPut is the largest object of unknown size Put reads into
// memory to send in one request.
const maxBufferedPut = 8 << 20

// List pages through the objects under prefix.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := ValidPrefix(prefix); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine if we return early
	var out []Info
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.root + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, s.fail("list", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, s.root)
		if ValidKey(key) != nil {
			continue // written by something else; not addressable here
		}
		out = append(out, Info{Key: key, Size: o.Size, ModTime: o.LastModified, ETag: quoteETag(o.ETag)})
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete removes an object; S3 answers success for a missing one.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.root+key, minio.RemoveObjectOptions{}); err != nil {
		return s.fail("delete", key, err)
	}
	return nil
}

// fail wraps an S3 error, mapping a missing key to ErrNotFound.
func (s *S3) fail(op, key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey:
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	case minio.NoSuchBucket:
		return fmt.Errorf("%s %s: bucket %s does not exist: %w", op, key, s.bucket, err)
	}
	return fmt.Errorf("%s %s in %s: %w", op, key, s, err)
}

// quoteETag gives S3 ETags the quotes HTTP wants; minio strips them.
func quoteETag(etag string) string {
	if etag == "" || strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}
