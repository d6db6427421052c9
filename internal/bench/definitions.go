package bench

import (
	"fmt"
	"strings"
)

// apiDefinition returns a small but well-formed definition for an API of
// type typ, the way teams inline them in catalog files.
func apiDefinition(typ, name string, i int) string {
	noun := strings.SplitN(name, "-", 2)[0]
	title := titleCase(noun)
	switch typ {
	case "grpc":
		return fmt.Sprintf(`syntax = "proto3";

package acme.%[1]s.v%[3]d;

service %[2]sService {
  rpc Get%[2]s(Get%[2]sRequest) returns (%[2]s);
  rpc List%[2]ss(List%[2]ssRequest) returns (List%[2]ssResponse);
}

message Get%[2]sRequest {
  string id = 1;
}

message List%[2]ssRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message List%[2]ssResponse {
  repeated %[2]s items = 1;
  string next_page_token = 2;
}

message %[2]s {
  string id = 1;
  string name = 2;
}
`, noun, title, 1+i%3)
	case "graphql":
		return fmt.Sprintf(`type Query {
  %[1]s(id: ID!): %[2]s
  %[1]ss(first: Int, after: String): [%[2]s!]!
}

type %[2]s {
  id: ID!
  name: String!
  updatedAt: String
}
`, noun, title)
	case "asyncapi":
		return fmt.Sprintf(`asyncapi: 2.6.0
info:
  title: %[2]s events
  version: 1.%[3]d.0
channels:
  %[1]s.events:
    subscribe:
      message:
        name: %[2]sChanged
        payload:
          type: object
          properties:
            id:
              type: string
            changedAt:
              type: string
              format: date-time
`, noun, title, i%10)
	default:
		return fmt.Sprintf(`openapi: 3.0.3
info:
  title: %[2]s API
  version: 1.%[3]d.0
paths:
  /%[1]ss:
    get:
      summary: List %[1]ss
      responses:
        "200":
          description: A page of %[1]ss
  /%[1]ss/{id}:
    get:
      summary: Get one %[1]s
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The %[1]s
        "404":
          description: No such %[1]s
`, noun, title, i%10)
	}
}
