module github.com/luasync/luasync

go 1.26

require (
	github.com/fsnotify/fsnotify v1.8.0 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	golang.org/x/sync v0.11.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)
