//! Rust-class checks that do not throw.
//!
//! `Class::from_object` asks QuickJS for the object's opaque pointer with `JS_GetOpaque2`,
//! which raises (and then discards) a `TypeError`, stack trace included, whenever the object
//! is of another class. That is the usual case on hot paths such as `new Headers({...})`.

use rquickjs::class::JsClass;
use rquickjs::{Class, Object};

/// QuickJS's class ids for plain objects and arrays (`JS_CLASS_OBJECT`, `JS_CLASS_ARRAY`).
const PLAIN_CLASS_IDS: [u32; 2] = [1, 2];

/// `obj` as an instance of Rust class `C`, or `None`; plain objects and arrays are answered
/// without asking the engine.
pub fn class_of<'js, C: JsClass<'js>>(obj: &Object<'js>) -> Option<Class<'js, C>> {
    // SAFETY: reads the class id of a live value this handle keeps alive.
    let id = unsafe { rquickjs::qjs::JS_GetClassID(obj.as_raw()) };
    if PLAIN_CLASS_IDS.contains(&id) {
        return None;
    }
    Class::<C>::from_object(obj)
}
