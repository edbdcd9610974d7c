"""The offline engine: the real program run under the Pulumi SDK's mock monitor (program), the
cloud functions it answers without a cloud (cloud), the recording turned into files (render) and
renders of a few services only (scoped). The only package of novactl that imports the SDK."""
