[package]
name = "ext"
