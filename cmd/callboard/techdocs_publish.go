package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/techdocs"
)

const techdocsPublishUsage = `Usage: callboard techdocs publish --publisher-type local|awsS3 --entity NAMESPACE/KIND/NAME [flags]

Publishes a built TechDocs site (callboard techdocs build, or Backstage's
techdocs-cli) for an entity, in Backstage's storage layout:
<namespace>/<kind>/<name>/ lower-cased, under the bucket's root path.
Files of the entity's previous site that the new one lacks are deleted.

With awsS3, credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
and AWS_SESSION_TOKEN (or the shared credentials file, or the instance
role), and the region from --awsRegion, AWS_REGION or AWS_DEFAULT_REGION.

Flags:
`

func cmdTechdocsPublish(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("techdocs publish", techdocsPublishUsage, stderr)
	typ := fs.String("publisher-type", "", "where to publish: local or awsS3")
	storage := fs.String("storage-name", "", "the bucket name (awsS3)")
	ref := fs.String("entity", "", "the entity whose docs these are, as namespace/kind/name (e.g. default/component/x)")
	dir := fs.String("directory", "site", "the built site to publish")
	publishDir := fs.String("publish-directory", "", "the folder sites are published into (local)")
	endpoint := fs.String("awsEndpoint", "", "the S3 service URL, for S3-compatible stores such as MinIO")
	pathStyle := fs.Bool("awsS3ForcePathStyle", false, "address the bucket in the path, not the host name (MinIO and most compatible stores)")
	rootPath := fs.String("awsBucketRootPath", "", "a key prefix inside the bucket")
	region := fs.String("awsRegion", "", "the bucket's region (default: AWS_REGION or AWS_DEFAULT_REGION)")
	sse := fs.String("awsS3sse", "", "server-side encryption for the uploads: AES256")
	legacy := fs.Bool("legacyUseCaseSensitiveTripletPaths", false, "keep the entity triplet's case in object keys, as old Backstage versions did")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "callboard techdocs publish: "+format+"\n", a...)
		return 2
	}
	target, err := parseTriplet(*ref)
	if err != nil {
		return fail("%v", err)
	}
	var bucket blob.Bucket
	var dest string
	switch *typ {
	case "local":
		if *publishDir == "" {
			return fail("--publish-directory is required with --publisher-type local")
		}
		d, err := blob.NewDir(*publishDir)
		if err != nil {
			fmt.Fprintln(stderr, "callboard techdocs publish:", err)
			return 1
		}
		defer d.Close()
		bucket, dest = d, d.Path()
	case "awsS3":
		if *storage == "" {
			return fail("--storage-name is required with --publisher-type awsS3")
		}
		r := *region
		if r == "" {
			r = os.Getenv("AWS_REGION")
		}
		if r == "" {
			r = os.Getenv("AWS_DEFAULT_REGION")
		}
		s3, err := blob.NewS3(blob.S3Options{
			Bucket: *storage, RootPath: *rootPath, Region: r, Endpoint: *endpoint, ForcePathStyle: *pathStyle, SSE: *sse,
		})
		if err != nil {
			return fail("%v", err)
		}
		bucket, dest = s3, s3.String()
	case "":
		return fail("--publisher-type is required (local or awsS3)")
	default:
		return fail("publisher type %q is not supported (use local or awsS3)", *typ)
	}
	pub := techdocs.NewPublisher(bucket, techdocs.PublisherOptions{LegacyCase: *legacy})
	res, err := pub.Publish(ctx, target, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "callboard techdocs publish:", err)
		return 1
	}
	fmt.Fprintf(stdout, "published %d files for %s to %s%s", len(res.Uploaded), *ref, strings.TrimSuffix(dest, "/"), "/"+pub.Prefix(target))
	if len(res.Deleted) > 0 {
		fmt.Fprintf(stdout, " (removed %d stale files)", len(res.Deleted))
	}
	fmt.Fprintln(stdout)
	return 0
}

// parseTriplet reads --entity: namespace/kind/name, as techdocs-cli takes
// it.
func parseTriplet(s string) (entity.Ref, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return entity.Ref{}, fmt.Errorf("--entity %q must be namespace/kind/name, e.g. default/component/x", s)
	}
	for _, p := range parts {
		if p == "." || p == ".." || strings.ContainsAny(p, "\\\x00") {
			return entity.Ref{}, fmt.Errorf("--entity %q is not an entity triplet", s)
		}
	}
	return entity.Ref{Namespace: parts[0], Kind: parts[1], Name: parts[2]}, nil
}
