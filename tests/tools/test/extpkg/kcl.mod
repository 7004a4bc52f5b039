[package]
name = "ext"
edition = "v0.11.0"
version = "0.0.1"
