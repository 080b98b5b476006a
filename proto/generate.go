package proto

// The generated Go in trawlpb is committed. To regenerate it, install protoc
// (Debian: protobuf-compiler) and run `go generate ./...` in this module. The
// protoc-gen-go plugin is built from the google.golang.org/protobuf version
// pinned in go.mod, so the output matches the runtime the code links.
//go:generate go build -o .bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
//go:generate protoc --plugin=protoc-gen-go=.bin/protoc-gen-go --go_out=. --go_opt=paths=source_relative trawlpb/trawl.proto
