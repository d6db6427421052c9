// Package main is the ${{ values.name }} service.
package main

func main() {}
