module github.com/luasync/luasync

go 1.26

require (
	github.com/fsnotify/fsnotify v1.8.0
	github.com/robfig/cron/v3 v3.0.1
	github.com/yuin/gopher-lua v1.1.1
	golang.org/x/sync v0.11.0
	golang.org/x/sys v0.30.0
)
